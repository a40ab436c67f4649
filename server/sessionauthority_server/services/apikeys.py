"""ApiKeyService over gRPC: a thin adapter over calls.apikeys.ApiKeyCalls."""

from __future__ import annotations

from sessionauthority.v1 import api_key_service_pb2_grpc as pb_grpc

from ..calls.apikeys import ApiKeyCalls
from .base import unary


class ApiKeyServicer(pb_grpc.ApiKeyServiceServicer):
    def __init__(self, calls: ApiKeyCalls) -> None:
        self.calls = calls

    ListApiKeys = unary("list_api_keys")
    CreateApiKey = unary("create_api_key")
    RevokeApiKey = unary("revoke_api_key")
