"""Examples that play the vendor's side of Attune: a demo corpus, an offline model, a client.

Nothing here imports Django: these modules are what a model supplier would run on its own
machines before it talks to the Attune API over HTTP.
"""
