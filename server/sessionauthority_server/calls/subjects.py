"""SubjectService, for every transport (see calls/sessions.py)."""

from __future__ import annotations

from sessionauthority.v1 import subject_service_pb2 as pb

from ..callers import Caller
from ..sessions.manager import SessionManager
from . import convert


class SubjectCalls:
    def __init__(self, manager: SessionManager) -> None:
        self.manager = manager

    async def get_subject(
        self, request: pb.GetSubjectRequest, caller: Caller
    ) -> pb.GetSubjectResponse:
        subject = await self.manager.get_subject(caller.tenant, request.subject_id)
        return pb.GetSubjectResponse(subject=convert.subject(subject))

    async def terminate_subject(
        self, request: pb.TerminateSubjectRequest, caller: Caller
    ) -> pb.TerminateSubjectResponse:
        subject, count = await self.manager.terminate_subject(
            caller.tenant,
            request.subject_id,
            convert.TERMINATION_FROM_PB.get(request.reason),
            request.error_code,
        )
        return pb.TerminateSubjectResponse(subject=convert.subject(subject), terminated_count=count)

    async def reinstate_subject(
        self, request: pb.ReinstateSubjectRequest, caller: Caller
    ) -> pb.ReinstateSubjectResponse:
        subject = await self.manager.reinstate_subject(caller.tenant, request.subject_id)
        return pb.ReinstateSubjectResponse(subject=convert.subject(subject))
