"""The model server: TF Serving's REST API over tracegraph's saved models (`tracegraph serve`).

Needs the `serve` extra (Starlette, uvicorn, orjson). Importing this package loads none of them:
`cli.py` registers the command, and the server's modules load when it runs. The deployment chapter is
`docs/deployment.md`; the protocol as served is `docs/formats/rest_api.md`.
"""
