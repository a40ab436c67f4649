"""SubjectService: proto <-> domain translation over the session manager."""

from __future__ import annotations

import grpc
from sessionauthority.v1 import subject_service_pb2 as pb
from sessionauthority.v1 import subject_service_pb2_grpc as pb_grpc

from ..sessions.manager import SessionManager
from . import convert
from .base import tenant_of, unary


class SubjectServicer(pb_grpc.SubjectServiceServicer):
    def __init__(self, manager: SessionManager) -> None:
        self.manager = manager

    @unary
    async def GetSubject(
        self, request: pb.GetSubjectRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetSubjectResponse:
        subject = await self.manager.get_subject(tenant_of(context), request.subject_id)
        return pb.GetSubjectResponse(subject=convert.subject(subject))

    @unary
    async def TerminateSubject(
        self, request: pb.TerminateSubjectRequest, context: grpc.aio.ServicerContext
    ) -> pb.TerminateSubjectResponse:
        subject, count = await self.manager.terminate_subject(
            tenant_of(context),
            request.subject_id,
            convert.TERMINATION_FROM_PB.get(request.reason),
            request.error_code,
        )
        return pb.TerminateSubjectResponse(subject=convert.subject(subject), terminated_count=count)

    @unary
    async def ReinstateSubject(
        self, request: pb.ReinstateSubjectRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReinstateSubjectResponse:
        subject = await self.manager.reinstate_subject(tenant_of(context), request.subject_id)
        return pb.ReinstateSubjectResponse(subject=convert.subject(subject))
