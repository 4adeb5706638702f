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
