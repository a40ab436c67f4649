"""ApiKeyService, for every transport: the console's view of store/apikeys,
always inside the caller's tenant (another tenant's key is NOT_FOUND)."""

from __future__ import annotations

from typing import Any

from sessionauthority.v1 import api_key_service_pb2 as pb

from .. import errors
from ..callers import Authenticator, Caller, new_api_key, parse_scopes
from ..store import apikeys
from ..store.engine import Writer
from ..store.reads import Reader
from ..tokens import secret_hash
from .convert import timestamp


def api_key(row: Any) -> pb.ApiKey:
    return pb.ApiKey(
        key_id=row["key_id"],
        tenant=row["tenant"],
        scopes=row["scopes"].split(),
        create_time=timestamp(row["create_us"]),
        revoke_time=timestamp(row["revoke_us"]),
    )


class ApiKeyCalls:
    def __init__(self, reader: Reader, writer: Writer, auth: Authenticator) -> None:
        self.reader = reader
        self.writer = writer
        self.auth = auth

    async def list_api_keys(
        self, request: pb.ListApiKeysRequest, caller: Caller
    ) -> pb.ListApiKeysResponse:
        rows = await apikeys.tenant_keys(self.reader, caller.tenant)
        return pb.ListApiKeysResponse(
            api_keys=[api_key(r) for r in rows],
            caller_key_id=caller.key_id,
            tenant=caller.tenant,
        )

    async def create_api_key(
        self, request: pb.CreateApiKeyRequest, caller: Caller
    ) -> pb.CreateApiKeyResponse:
        try:
            scopes = parse_scopes(list(request.scopes))
        except ValueError as exc:
            raise errors.invalid_argument([("scopes", str(exc))]) from None
        key_id, key = new_api_key()
        row = await self.writer.write(
            apikeys.created, key_id, secret_hash(key), caller.tenant, scopes
        )
        return pb.CreateApiKeyResponse(api_key=api_key(row), key=key)

    async def revoke_api_key(
        self, request: pb.RevokeApiKeyRequest, caller: Caller
    ) -> pb.RevokeApiKeyResponse:
        if not request.key_id:
            raise errors.invalid_argument([("key_id", "is required")])
        row = await self.writer.write(apikeys.revoke_in_tenant, caller.tenant, request.key_id)
        self.auth.forget(request.key_id)
        return pb.RevokeApiKeyResponse(api_key=api_key(row))
