import subprocess
import sys


def test_importing_the_engine_loads_no_django_and_no_heavy_libraries():
    code = (
        "import sys, audits.engine; "
        "print(sorted(m for m in ('django', 'pandas', 'sklearn', 'shap', 'aif360', 'fairlearn') "
        "if m in sys.modules))"
    )

    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert output.stdout.strip() == "[]"


def test_explain_stays_the_lazy_function_after_its_module_is_imported():
    code = (
        "import types, audits.engine as engine, audits.engine.explain as direct; "
        "from audits.engine.explain import explain as real; "
        "print(callable(engine.explain), isinstance(engine.explain, types.ModuleType), "
        "engine.explain is not real)"
    )

    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert output.stdout.split() == ["True", "False", "True"]
