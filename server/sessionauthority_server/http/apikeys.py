"""ApiKeyService over Connect: the same ApiKeyCalls the gRPC servicer relays to."""

from __future__ import annotations

from ..calls.apikeys import ApiKeyCalls
from .connect import _relay


class ApiKeyConnect:
    def __init__(self, calls: ApiKeyCalls) -> None:
        self.calls = calls

    list_api_keys = _relay("list_api_keys")
    create_api_key = _relay("create_api_key")
    revoke_api_key = _relay("revoke_api_key")
