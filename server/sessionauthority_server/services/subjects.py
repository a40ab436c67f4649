"""SubjectService over gRPC: a thin adapter over calls.subjects.SubjectCalls."""

from __future__ import annotations

from sessionauthority.v1 import subject_service_pb2_grpc as pb_grpc

from ..calls.subjects import SubjectCalls
from .base import unary


class SubjectServicer(pb_grpc.SubjectServiceServicer):
    def __init__(self, calls: SubjectCalls) -> None:
        self.calls = calls

    GetSubject = unary("get_subject")
    TerminateSubject = unary("terminate_subject")
    ReinstateSubject = unary("reinstate_subject")
