"""The API contract: typed requests (`requests`), error bodies and their conversion from
pydantic (`errors`), the OpenAPI document built from them (`openapi`) and the analysis
result (`result`).

Part of the kernel: it imports the pure core (for its constants) and pydantic, never a
service, a model or Flask's request.
"""
