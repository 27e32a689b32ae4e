"""The Postman collection of the API, made from its OpenAPI document.

python -m tools.postman           # write postman/*.json (nox -s postman)
python -m tools.postman --check   # exit 1 when the committed files are stale
"""
