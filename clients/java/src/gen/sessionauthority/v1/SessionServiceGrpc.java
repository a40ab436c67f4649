package sessionauthority.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Creates, validates, renews, revokes and watches user sessions.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: sessionauthority/v1/session_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class SessionServiceGrpc {

  private SessionServiceGrpc() {}

  public static final String SERVICE_NAME = "sessionauthority.v1.SessionService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.CreateSessionRequest,
      sessionauthority.v1.SessionServiceOuterClass.CreateSessionResponse> getCreateSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateSession",
      requestType = sessionauthority.v1.SessionServiceOuterClass.CreateSessionRequest.class,
      responseType = sessionauthority.v1.SessionServiceOuterClass.CreateSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.CreateSessionRequest,
      sessionauthority.v1.SessionServiceOuterClass.CreateSessionResponse> getCreateSessionMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.CreateSessionRequest, sessionauthority.v1.SessionServiceOuterClass.CreateSessionResponse> getCreateSessionMethod;
    if ((getCreateSessionMethod = SessionServiceGrpc.getCreateSessionMethod) == null) {
      synchronized (SessionServiceGrpc.class) {
        if ((getCreateSessionMethod = SessionServiceGrpc.getCreateSessionMethod) == null) {
          SessionServiceGrpc.getCreateSessionMethod = getCreateSessionMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.SessionServiceOuterClass.CreateSessionRequest, sessionauthority.v1.SessionServiceOuterClass.CreateSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.CreateSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.CreateSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SessionServiceMethodDescriptorSupplier("CreateSession"))
              .build();
        }
      }
    }
    return getCreateSessionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.StartSessionRequest,
      sessionauthority.v1.SessionServiceOuterClass.StartSessionResponse> getStartSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "StartSession",
      requestType = sessionauthority.v1.SessionServiceOuterClass.StartSessionRequest.class,
      responseType = sessionauthority.v1.SessionServiceOuterClass.StartSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.StartSessionRequest,
      sessionauthority.v1.SessionServiceOuterClass.StartSessionResponse> getStartSessionMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.StartSessionRequest, sessionauthority.v1.SessionServiceOuterClass.StartSessionResponse> getStartSessionMethod;
    if ((getStartSessionMethod = SessionServiceGrpc.getStartSessionMethod) == null) {
      synchronized (SessionServiceGrpc.class) {
        if ((getStartSessionMethod = SessionServiceGrpc.getStartSessionMethod) == null) {
          SessionServiceGrpc.getStartSessionMethod = getStartSessionMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.SessionServiceOuterClass.StartSessionRequest, sessionauthority.v1.SessionServiceOuterClass.StartSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "StartSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.StartSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.StartSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SessionServiceMethodDescriptorSupplier("StartSession"))
              .build();
        }
      }
    }
    return getStartSessionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.GetSessionRequest,
      sessionauthority.v1.SessionServiceOuterClass.GetSessionResponse> getGetSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetSession",
      requestType = sessionauthority.v1.SessionServiceOuterClass.GetSessionRequest.class,
      responseType = sessionauthority.v1.SessionServiceOuterClass.GetSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.GetSessionRequest,
      sessionauthority.v1.SessionServiceOuterClass.GetSessionResponse> getGetSessionMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.GetSessionRequest, sessionauthority.v1.SessionServiceOuterClass.GetSessionResponse> getGetSessionMethod;
    if ((getGetSessionMethod = SessionServiceGrpc.getGetSessionMethod) == null) {
      synchronized (SessionServiceGrpc.class) {
        if ((getGetSessionMethod = SessionServiceGrpc.getGetSessionMethod) == null) {
          SessionServiceGrpc.getGetSessionMethod = getGetSessionMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.SessionServiceOuterClass.GetSessionRequest, sessionauthority.v1.SessionServiceOuterClass.GetSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.GetSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.GetSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SessionServiceMethodDescriptorSupplier("GetSession"))
              .build();
        }
      }
    }
    return getGetSessionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.ListSessionsRequest,
      sessionauthority.v1.SessionServiceOuterClass.ListSessionsResponse> getListSessionsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListSessions",
      requestType = sessionauthority.v1.SessionServiceOuterClass.ListSessionsRequest.class,
      responseType = sessionauthority.v1.SessionServiceOuterClass.ListSessionsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.ListSessionsRequest,
      sessionauthority.v1.SessionServiceOuterClass.ListSessionsResponse> getListSessionsMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.ListSessionsRequest, sessionauthority.v1.SessionServiceOuterClass.ListSessionsResponse> getListSessionsMethod;
    if ((getListSessionsMethod = SessionServiceGrpc.getListSessionsMethod) == null) {
      synchronized (SessionServiceGrpc.class) {
        if ((getListSessionsMethod = SessionServiceGrpc.getListSessionsMethod) == null) {
          SessionServiceGrpc.getListSessionsMethod = getListSessionsMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.SessionServiceOuterClass.ListSessionsRequest, sessionauthority.v1.SessionServiceOuterClass.ListSessionsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListSessions"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.ListSessionsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.ListSessionsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SessionServiceMethodDescriptorSupplier("ListSessions"))
              .build();
        }
      }
    }
    return getListSessionsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.ValidateSessionRequest,
      sessionauthority.v1.SessionServiceOuterClass.ValidateSessionResponse> getValidateSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ValidateSession",
      requestType = sessionauthority.v1.SessionServiceOuterClass.ValidateSessionRequest.class,
      responseType = sessionauthority.v1.SessionServiceOuterClass.ValidateSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.ValidateSessionRequest,
      sessionauthority.v1.SessionServiceOuterClass.ValidateSessionResponse> getValidateSessionMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.ValidateSessionRequest, sessionauthority.v1.SessionServiceOuterClass.ValidateSessionResponse> getValidateSessionMethod;
    if ((getValidateSessionMethod = SessionServiceGrpc.getValidateSessionMethod) == null) {
      synchronized (SessionServiceGrpc.class) {
        if ((getValidateSessionMethod = SessionServiceGrpc.getValidateSessionMethod) == null) {
          SessionServiceGrpc.getValidateSessionMethod = getValidateSessionMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.SessionServiceOuterClass.ValidateSessionRequest, sessionauthority.v1.SessionServiceOuterClass.ValidateSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ValidateSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.ValidateSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.ValidateSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SessionServiceMethodDescriptorSupplier("ValidateSession"))
              .build();
        }
      }
    }
    return getValidateSessionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.RenewSessionRequest,
      sessionauthority.v1.SessionServiceOuterClass.RenewSessionResponse> getRenewSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RenewSession",
      requestType = sessionauthority.v1.SessionServiceOuterClass.RenewSessionRequest.class,
      responseType = sessionauthority.v1.SessionServiceOuterClass.RenewSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.RenewSessionRequest,
      sessionauthority.v1.SessionServiceOuterClass.RenewSessionResponse> getRenewSessionMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.RenewSessionRequest, sessionauthority.v1.SessionServiceOuterClass.RenewSessionResponse> getRenewSessionMethod;
    if ((getRenewSessionMethod = SessionServiceGrpc.getRenewSessionMethod) == null) {
      synchronized (SessionServiceGrpc.class) {
        if ((getRenewSessionMethod = SessionServiceGrpc.getRenewSessionMethod) == null) {
          SessionServiceGrpc.getRenewSessionMethod = getRenewSessionMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.SessionServiceOuterClass.RenewSessionRequest, sessionauthority.v1.SessionServiceOuterClass.RenewSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RenewSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.RenewSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.RenewSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SessionServiceMethodDescriptorSupplier("RenewSession"))
              .build();
        }
      }
    }
    return getRenewSessionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.RevokeSessionRequest,
      sessionauthority.v1.SessionServiceOuterClass.RevokeSessionResponse> getRevokeSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RevokeSession",
      requestType = sessionauthority.v1.SessionServiceOuterClass.RevokeSessionRequest.class,
      responseType = sessionauthority.v1.SessionServiceOuterClass.RevokeSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.RevokeSessionRequest,
      sessionauthority.v1.SessionServiceOuterClass.RevokeSessionResponse> getRevokeSessionMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.RevokeSessionRequest, sessionauthority.v1.SessionServiceOuterClass.RevokeSessionResponse> getRevokeSessionMethod;
    if ((getRevokeSessionMethod = SessionServiceGrpc.getRevokeSessionMethod) == null) {
      synchronized (SessionServiceGrpc.class) {
        if ((getRevokeSessionMethod = SessionServiceGrpc.getRevokeSessionMethod) == null) {
          SessionServiceGrpc.getRevokeSessionMethod = getRevokeSessionMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.SessionServiceOuterClass.RevokeSessionRequest, sessionauthority.v1.SessionServiceOuterClass.RevokeSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RevokeSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.RevokeSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.RevokeSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SessionServiceMethodDescriptorSupplier("RevokeSession"))
              .build();
        }
      }
    }
    return getRevokeSessionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsRequest,
      sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsResponse> getRevokeSessionsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RevokeSessions",
      requestType = sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsRequest.class,
      responseType = sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsRequest,
      sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsResponse> getRevokeSessionsMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsRequest, sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsResponse> getRevokeSessionsMethod;
    if ((getRevokeSessionsMethod = SessionServiceGrpc.getRevokeSessionsMethod) == null) {
      synchronized (SessionServiceGrpc.class) {
        if ((getRevokeSessionsMethod = SessionServiceGrpc.getRevokeSessionsMethod) == null) {
          SessionServiceGrpc.getRevokeSessionsMethod = getRevokeSessionsMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsRequest, sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RevokeSessions"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SessionServiceMethodDescriptorSupplier("RevokeSessions"))
              .build();
        }
      }
    }
    return getRevokeSessionsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataRequest,
      sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataResponse> getUpdateSessionMetadataMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "UpdateSessionMetadata",
      requestType = sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataRequest.class,
      responseType = sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataRequest,
      sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataResponse> getUpdateSessionMetadataMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataRequest, sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataResponse> getUpdateSessionMetadataMethod;
    if ((getUpdateSessionMetadataMethod = SessionServiceGrpc.getUpdateSessionMetadataMethod) == null) {
      synchronized (SessionServiceGrpc.class) {
        if ((getUpdateSessionMetadataMethod = SessionServiceGrpc.getUpdateSessionMetadataMethod) == null) {
          SessionServiceGrpc.getUpdateSessionMetadataMethod = getUpdateSessionMetadataMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataRequest, sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "UpdateSessionMetadata"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SessionServiceMethodDescriptorSupplier("UpdateSessionMetadata"))
              .build();
        }
      }
    }
    return getUpdateSessionMetadataMethod;
  }

  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.WatchSessionsRequest,
      sessionauthority.v1.SessionServiceOuterClass.WatchSessionsResponse> getWatchSessionsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WatchSessions",
      requestType = sessionauthority.v1.SessionServiceOuterClass.WatchSessionsRequest.class,
      responseType = sessionauthority.v1.SessionServiceOuterClass.WatchSessionsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.WatchSessionsRequest,
      sessionauthority.v1.SessionServiceOuterClass.WatchSessionsResponse> getWatchSessionsMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.WatchSessionsRequest, sessionauthority.v1.SessionServiceOuterClass.WatchSessionsResponse> getWatchSessionsMethod;
    if ((getWatchSessionsMethod = SessionServiceGrpc.getWatchSessionsMethod) == null) {
      synchronized (SessionServiceGrpc.class) {
        if ((getWatchSessionsMethod = SessionServiceGrpc.getWatchSessionsMethod) == null) {
          SessionServiceGrpc.getWatchSessionsMethod = getWatchSessionsMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.SessionServiceOuterClass.WatchSessionsRequest, sessionauthority.v1.SessionServiceOuterClass.WatchSessionsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WatchSessions"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.WatchSessionsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.WatchSessionsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SessionServiceMethodDescriptorSupplier("WatchSessions"))
              .build();
        }
      }
    }
    return getWatchSessionsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.GetJwksRequest,
      sessionauthority.v1.SessionServiceOuterClass.GetJwksResponse> getGetJwksMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetJwks",
      requestType = sessionauthority.v1.SessionServiceOuterClass.GetJwksRequest.class,
      responseType = sessionauthority.v1.SessionServiceOuterClass.GetJwksResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.GetJwksRequest,
      sessionauthority.v1.SessionServiceOuterClass.GetJwksResponse> getGetJwksMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.GetJwksRequest, sessionauthority.v1.SessionServiceOuterClass.GetJwksResponse> getGetJwksMethod;
    if ((getGetJwksMethod = SessionServiceGrpc.getGetJwksMethod) == null) {
      synchronized (SessionServiceGrpc.class) {
        if ((getGetJwksMethod = SessionServiceGrpc.getGetJwksMethod) == null) {
          SessionServiceGrpc.getGetJwksMethod = getGetJwksMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.SessionServiceOuterClass.GetJwksRequest, sessionauthority.v1.SessionServiceOuterClass.GetJwksResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetJwks"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.GetJwksRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.GetJwksResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SessionServiceMethodDescriptorSupplier("GetJwks"))
              .build();
        }
      }
    }
    return getGetJwksMethod;
  }

  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsRequest,
      sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsResponse> getListEndedSessionsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListEndedSessions",
      requestType = sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsRequest.class,
      responseType = sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsRequest,
      sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsResponse> getListEndedSessionsMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsRequest, sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsResponse> getListEndedSessionsMethod;
    if ((getListEndedSessionsMethod = SessionServiceGrpc.getListEndedSessionsMethod) == null) {
      synchronized (SessionServiceGrpc.class) {
        if ((getListEndedSessionsMethod = SessionServiceGrpc.getListEndedSessionsMethod) == null) {
          SessionServiceGrpc.getListEndedSessionsMethod = getListEndedSessionsMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsRequest, sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListEndedSessions"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SessionServiceMethodDescriptorSupplier("ListEndedSessions"))
              .build();
        }
      }
    }
    return getListEndedSessionsMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static SessionServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SessionServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SessionServiceStub>() {
        @java.lang.Override
        public SessionServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SessionServiceStub(channel, callOptions);
        }
      };
    return SessionServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static SessionServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SessionServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SessionServiceBlockingStub>() {
        @java.lang.Override
        public SessionServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SessionServiceBlockingStub(channel, callOptions);
        }
      };
    return SessionServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static SessionServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SessionServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SessionServiceFutureStub>() {
        @java.lang.Override
        public SessionServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SessionServiceFutureStub(channel, callOptions);
        }
      };
    return SessionServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Creates, validates, renews, revokes and watches user sessions.
   * </pre>
   */
  public static abstract class SessionServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Creates a session for a subject and returns its tokens (or, with
     * pending=true, a one-time handoff code). Retries with the same request_id
     * return the first result.
     * </pre>
     */
    public void createSession(sessionauthority.v1.SessionServiceOuterClass.CreateSessionRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.CreateSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateSessionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Redeems a pending session's handoff code, once, for its first tokens.
     * </pre>
     */
    public void startSession(sessionauthority.v1.SessionServiceOuterClass.StartSessionRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.StartSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getStartSessionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Reads one session.
     * </pre>
     */
    public void getSession(sessionauthority.v1.SessionServiceOuterClass.GetSessionRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.GetSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetSessionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists sessions by subject, reference and state, a page at a time.
     * </pre>
     */
    public void listSessions(sessionauthority.v1.SessionServiceOuterClass.ListSessionsRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.ListSessionsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListSessionsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Checks an access token online: signature, expiry and the stored session
     * state. Answers OK with valid=false and a reason for any token that is
     * not good.
     * </pre>
     */
    public void validateSession(sessionauthority.v1.SessionServiceOuterClass.ValidateSessionRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.ValidateSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getValidateSessionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Trades a refresh token for a new token pair, rotating the refresh token.
     * </pre>
     */
    public void renewSession(sessionauthority.v1.SessionServiceOuterClass.RenewSessionRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.RenewSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRenewSessionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Ends one session. Idempotent: an ended session is returned unchanged.
     * </pre>
     */
    public void revokeSession(sessionauthority.v1.SessionServiceOuterClass.RevokeSessionRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.RevokeSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRevokeSessionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Ends every live session of a subject (and/or reference).
     * </pre>
     */
    public void revokeSessions(sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRevokeSessionsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Replaces a live session's metadata.
     * </pre>
     */
    public void updateSessionMetadata(sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getUpdateSessionMetadataMethod(), responseObserver);
    }

    /**
     * <pre>
     * Streams every change to matching sessions, in commit order, resumable by
     * revision. A stream that falls WATCH_QUEUE_SIZE events behind ends with
     * RESOURCE_EXHAUSTED (reason WATCH_TOO_SLOW); a draining server ends streams
     * with a final progress and UNAVAILABLE. Resume from the last revision + 1.
     * </pre>
     */
    public void watchSessions(sessionauthority.v1.SessionServiceOuterClass.WatchSessionsRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.WatchSessionsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWatchSessionsMethod(), responseObserver);
    }

    /**
     * <pre>
     * The public keys that verify access tokens, as a JSON Web Key Set.
     * </pre>
     */
    public void getJwks(sessionauthority.v1.SessionServiceOuterClass.GetJwksRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.GetJwksResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetJwksMethod(), responseObserver);
    }

    /**
     * <pre>
     * The verifier's snapshot: at one revision, every session of the caller's
     * tenant that ended recently enough that a token of it may still be
     * unexpired, a page at a time. A LocalVerifier lists it, then watches
     * the ending event types from `revision` + 1 (list, then watch).
     * </pre>
     */
    public void listEndedSessions(sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListEndedSessionsMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getCreateSessionMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.SessionServiceOuterClass.CreateSessionRequest,
                sessionauthority.v1.SessionServiceOuterClass.CreateSessionResponse>(
                  this, METHODID_CREATE_SESSION)))
          .addMethod(
            getStartSessionMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.SessionServiceOuterClass.StartSessionRequest,
                sessionauthority.v1.SessionServiceOuterClass.StartSessionResponse>(
                  this, METHODID_START_SESSION)))
          .addMethod(
            getGetSessionMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.SessionServiceOuterClass.GetSessionRequest,
                sessionauthority.v1.SessionServiceOuterClass.GetSessionResponse>(
                  this, METHODID_GET_SESSION)))
          .addMethod(
            getListSessionsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.SessionServiceOuterClass.ListSessionsRequest,
                sessionauthority.v1.SessionServiceOuterClass.ListSessionsResponse>(
                  this, METHODID_LIST_SESSIONS)))
          .addMethod(
            getValidateSessionMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.SessionServiceOuterClass.ValidateSessionRequest,
                sessionauthority.v1.SessionServiceOuterClass.ValidateSessionResponse>(
                  this, METHODID_VALIDATE_SESSION)))
          .addMethod(
            getRenewSessionMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.SessionServiceOuterClass.RenewSessionRequest,
                sessionauthority.v1.SessionServiceOuterClass.RenewSessionResponse>(
                  this, METHODID_RENEW_SESSION)))
          .addMethod(
            getRevokeSessionMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.SessionServiceOuterClass.RevokeSessionRequest,
                sessionauthority.v1.SessionServiceOuterClass.RevokeSessionResponse>(
                  this, METHODID_REVOKE_SESSION)))
          .addMethod(
            getRevokeSessionsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsRequest,
                sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsResponse>(
                  this, METHODID_REVOKE_SESSIONS)))
          .addMethod(
            getUpdateSessionMetadataMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataRequest,
                sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataResponse>(
                  this, METHODID_UPDATE_SESSION_METADATA)))
          .addMethod(
            getWatchSessionsMethod(),
            io.grpc.stub.ServerCalls.asyncServerStreamingCall(
              new MethodHandlers<
                sessionauthority.v1.SessionServiceOuterClass.WatchSessionsRequest,
                sessionauthority.v1.SessionServiceOuterClass.WatchSessionsResponse>(
                  this, METHODID_WATCH_SESSIONS)))
          .addMethod(
            getGetJwksMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.SessionServiceOuterClass.GetJwksRequest,
                sessionauthority.v1.SessionServiceOuterClass.GetJwksResponse>(
                  this, METHODID_GET_JWKS)))
          .addMethod(
            getListEndedSessionsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsRequest,
                sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsResponse>(
                  this, METHODID_LIST_ENDED_SESSIONS)))
          .build();
    }
  }

  /**
   * <pre>
   * Creates, validates, renews, revokes and watches user sessions.
   * </pre>
   */
  public static final class SessionServiceStub extends io.grpc.stub.AbstractAsyncStub<SessionServiceStub> {
    private SessionServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SessionServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SessionServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a session for a subject and returns its tokens (or, with
     * pending=true, a one-time handoff code). Retries with the same request_id
     * return the first result.
     * </pre>
     */
    public void createSession(sessionauthority.v1.SessionServiceOuterClass.CreateSessionRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.CreateSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateSessionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Redeems a pending session's handoff code, once, for its first tokens.
     * </pre>
     */
    public void startSession(sessionauthority.v1.SessionServiceOuterClass.StartSessionRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.StartSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getStartSessionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Reads one session.
     * </pre>
     */
    public void getSession(sessionauthority.v1.SessionServiceOuterClass.GetSessionRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.GetSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetSessionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists sessions by subject, reference and state, a page at a time.
     * </pre>
     */
    public void listSessions(sessionauthority.v1.SessionServiceOuterClass.ListSessionsRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.ListSessionsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListSessionsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Checks an access token online: signature, expiry and the stored session
     * state. Answers OK with valid=false and a reason for any token that is
     * not good.
     * </pre>
     */
    public void validateSession(sessionauthority.v1.SessionServiceOuterClass.ValidateSessionRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.ValidateSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getValidateSessionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Trades a refresh token for a new token pair, rotating the refresh token.
     * </pre>
     */
    public void renewSession(sessionauthority.v1.SessionServiceOuterClass.RenewSessionRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.RenewSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRenewSessionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Ends one session. Idempotent: an ended session is returned unchanged.
     * </pre>
     */
    public void revokeSession(sessionauthority.v1.SessionServiceOuterClass.RevokeSessionRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.RevokeSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRevokeSessionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Ends every live session of a subject (and/or reference).
     * </pre>
     */
    public void revokeSessions(sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRevokeSessionsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Replaces a live session's metadata.
     * </pre>
     */
    public void updateSessionMetadata(sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getUpdateSessionMetadataMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Streams every change to matching sessions, in commit order, resumable by
     * revision. A stream that falls WATCH_QUEUE_SIZE events behind ends with
     * RESOURCE_EXHAUSTED (reason WATCH_TOO_SLOW); a draining server ends streams
     * with a final progress and UNAVAILABLE. Resume from the last revision + 1.
     * </pre>
     */
    public void watchSessions(sessionauthority.v1.SessionServiceOuterClass.WatchSessionsRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.WatchSessionsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getWatchSessionsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * The public keys that verify access tokens, as a JSON Web Key Set.
     * </pre>
     */
    public void getJwks(sessionauthority.v1.SessionServiceOuterClass.GetJwksRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.GetJwksResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetJwksMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * The verifier's snapshot: at one revision, every session of the caller's
     * tenant that ended recently enough that a token of it may still be
     * unexpired, a page at a time. A LocalVerifier lists it, then watches
     * the ending event types from `revision` + 1 (list, then watch).
     * </pre>
     */
    public void listEndedSessions(sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListEndedSessionsMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Creates, validates, renews, revokes and watches user sessions.
   * </pre>
   */
  public static final class SessionServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<SessionServiceBlockingStub> {
    private SessionServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SessionServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SessionServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a session for a subject and returns its tokens (or, with
     * pending=true, a one-time handoff code). Retries with the same request_id
     * return the first result.
     * </pre>
     */
    public sessionauthority.v1.SessionServiceOuterClass.CreateSessionResponse createSession(sessionauthority.v1.SessionServiceOuterClass.CreateSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Redeems a pending session's handoff code, once, for its first tokens.
     * </pre>
     */
    public sessionauthority.v1.SessionServiceOuterClass.StartSessionResponse startSession(sessionauthority.v1.SessionServiceOuterClass.StartSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getStartSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reads one session.
     * </pre>
     */
    public sessionauthority.v1.SessionServiceOuterClass.GetSessionResponse getSession(sessionauthority.v1.SessionServiceOuterClass.GetSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists sessions by subject, reference and state, a page at a time.
     * </pre>
     */
    public sessionauthority.v1.SessionServiceOuterClass.ListSessionsResponse listSessions(sessionauthority.v1.SessionServiceOuterClass.ListSessionsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListSessionsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Checks an access token online: signature, expiry and the stored session
     * state. Answers OK with valid=false and a reason for any token that is
     * not good.
     * </pre>
     */
    public sessionauthority.v1.SessionServiceOuterClass.ValidateSessionResponse validateSession(sessionauthority.v1.SessionServiceOuterClass.ValidateSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getValidateSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Trades a refresh token for a new token pair, rotating the refresh token.
     * </pre>
     */
    public sessionauthority.v1.SessionServiceOuterClass.RenewSessionResponse renewSession(sessionauthority.v1.SessionServiceOuterClass.RenewSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRenewSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Ends one session. Idempotent: an ended session is returned unchanged.
     * </pre>
     */
    public sessionauthority.v1.SessionServiceOuterClass.RevokeSessionResponse revokeSession(sessionauthority.v1.SessionServiceOuterClass.RevokeSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRevokeSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Ends every live session of a subject (and/or reference).
     * </pre>
     */
    public sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsResponse revokeSessions(sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRevokeSessionsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Replaces a live session's metadata.
     * </pre>
     */
    public sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataResponse updateSessionMetadata(sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getUpdateSessionMetadataMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams every change to matching sessions, in commit order, resumable by
     * revision. A stream that falls WATCH_QUEUE_SIZE events behind ends with
     * RESOURCE_EXHAUSTED (reason WATCH_TOO_SLOW); a draining server ends streams
     * with a final progress and UNAVAILABLE. Resume from the last revision + 1.
     * </pre>
     */
    public java.util.Iterator<sessionauthority.v1.SessionServiceOuterClass.WatchSessionsResponse> watchSessions(
        sessionauthority.v1.SessionServiceOuterClass.WatchSessionsRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getWatchSessionsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The public keys that verify access tokens, as a JSON Web Key Set.
     * </pre>
     */
    public sessionauthority.v1.SessionServiceOuterClass.GetJwksResponse getJwks(sessionauthority.v1.SessionServiceOuterClass.GetJwksRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetJwksMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The verifier's snapshot: at one revision, every session of the caller's
     * tenant that ended recently enough that a token of it may still be
     * unexpired, a page at a time. A LocalVerifier lists it, then watches
     * the ending event types from `revision` + 1 (list, then watch).
     * </pre>
     */
    public sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsResponse listEndedSessions(sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListEndedSessionsMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Creates, validates, renews, revokes and watches user sessions.
   * </pre>
   */
  public static final class SessionServiceFutureStub extends io.grpc.stub.AbstractFutureStub<SessionServiceFutureStub> {
    private SessionServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SessionServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SessionServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a session for a subject and returns its tokens (or, with
     * pending=true, a one-time handoff code). Retries with the same request_id
     * return the first result.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.SessionServiceOuterClass.CreateSessionResponse> createSession(
        sessionauthority.v1.SessionServiceOuterClass.CreateSessionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateSessionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Redeems a pending session's handoff code, once, for its first tokens.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.SessionServiceOuterClass.StartSessionResponse> startSession(
        sessionauthority.v1.SessionServiceOuterClass.StartSessionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getStartSessionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Reads one session.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.SessionServiceOuterClass.GetSessionResponse> getSession(
        sessionauthority.v1.SessionServiceOuterClass.GetSessionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetSessionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists sessions by subject, reference and state, a page at a time.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.SessionServiceOuterClass.ListSessionsResponse> listSessions(
        sessionauthority.v1.SessionServiceOuterClass.ListSessionsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListSessionsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Checks an access token online: signature, expiry and the stored session
     * state. Answers OK with valid=false and a reason for any token that is
     * not good.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.SessionServiceOuterClass.ValidateSessionResponse> validateSession(
        sessionauthority.v1.SessionServiceOuterClass.ValidateSessionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getValidateSessionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Trades a refresh token for a new token pair, rotating the refresh token.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.SessionServiceOuterClass.RenewSessionResponse> renewSession(
        sessionauthority.v1.SessionServiceOuterClass.RenewSessionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRenewSessionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Ends one session. Idempotent: an ended session is returned unchanged.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.SessionServiceOuterClass.RevokeSessionResponse> revokeSession(
        sessionauthority.v1.SessionServiceOuterClass.RevokeSessionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRevokeSessionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Ends every live session of a subject (and/or reference).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsResponse> revokeSessions(
        sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRevokeSessionsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Replaces a live session's metadata.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataResponse> updateSessionMetadata(
        sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getUpdateSessionMetadataMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * The public keys that verify access tokens, as a JSON Web Key Set.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.SessionServiceOuterClass.GetJwksResponse> getJwks(
        sessionauthority.v1.SessionServiceOuterClass.GetJwksRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetJwksMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * The verifier's snapshot: at one revision, every session of the caller's
     * tenant that ended recently enough that a token of it may still be
     * unexpired, a page at a time. A LocalVerifier lists it, then watches
     * the ending event types from `revision` + 1 (list, then watch).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsResponse> listEndedSessions(
        sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListEndedSessionsMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CREATE_SESSION = 0;
  private static final int METHODID_START_SESSION = 1;
  private static final int METHODID_GET_SESSION = 2;
  private static final int METHODID_LIST_SESSIONS = 3;
  private static final int METHODID_VALIDATE_SESSION = 4;
  private static final int METHODID_RENEW_SESSION = 5;
  private static final int METHODID_REVOKE_SESSION = 6;
  private static final int METHODID_REVOKE_SESSIONS = 7;
  private static final int METHODID_UPDATE_SESSION_METADATA = 8;
  private static final int METHODID_WATCH_SESSIONS = 9;
  private static final int METHODID_GET_JWKS = 10;
  private static final int METHODID_LIST_ENDED_SESSIONS = 11;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final SessionServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(SessionServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_CREATE_SESSION:
          serviceImpl.createSession((sessionauthority.v1.SessionServiceOuterClass.CreateSessionRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.CreateSessionResponse>) responseObserver);
          break;
        case METHODID_START_SESSION:
          serviceImpl.startSession((sessionauthority.v1.SessionServiceOuterClass.StartSessionRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.StartSessionResponse>) responseObserver);
          break;
        case METHODID_GET_SESSION:
          serviceImpl.getSession((sessionauthority.v1.SessionServiceOuterClass.GetSessionRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.GetSessionResponse>) responseObserver);
          break;
        case METHODID_LIST_SESSIONS:
          serviceImpl.listSessions((sessionauthority.v1.SessionServiceOuterClass.ListSessionsRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.ListSessionsResponse>) responseObserver);
          break;
        case METHODID_VALIDATE_SESSION:
          serviceImpl.validateSession((sessionauthority.v1.SessionServiceOuterClass.ValidateSessionRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.ValidateSessionResponse>) responseObserver);
          break;
        case METHODID_RENEW_SESSION:
          serviceImpl.renewSession((sessionauthority.v1.SessionServiceOuterClass.RenewSessionRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.RenewSessionResponse>) responseObserver);
          break;
        case METHODID_REVOKE_SESSION:
          serviceImpl.revokeSession((sessionauthority.v1.SessionServiceOuterClass.RevokeSessionRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.RevokeSessionResponse>) responseObserver);
          break;
        case METHODID_REVOKE_SESSIONS:
          serviceImpl.revokeSessions((sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.RevokeSessionsResponse>) responseObserver);
          break;
        case METHODID_UPDATE_SESSION_METADATA:
          serviceImpl.updateSessionMetadata((sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.UpdateSessionMetadataResponse>) responseObserver);
          break;
        case METHODID_WATCH_SESSIONS:
          serviceImpl.watchSessions((sessionauthority.v1.SessionServiceOuterClass.WatchSessionsRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.WatchSessionsResponse>) responseObserver);
          break;
        case METHODID_GET_JWKS:
          serviceImpl.getJwks((sessionauthority.v1.SessionServiceOuterClass.GetJwksRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.GetJwksResponse>) responseObserver);
          break;
        case METHODID_LIST_ENDED_SESSIONS:
          serviceImpl.listEndedSessions((sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.SessionServiceOuterClass.ListEndedSessionsResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  private static abstract class SessionServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    SessionServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return sessionauthority.v1.SessionServiceOuterClass.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("SessionService");
    }
  }

  private static final class SessionServiceFileDescriptorSupplier
      extends SessionServiceBaseDescriptorSupplier {
    SessionServiceFileDescriptorSupplier() {}
  }

  private static final class SessionServiceMethodDescriptorSupplier
      extends SessionServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    SessionServiceMethodDescriptorSupplier(String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (SessionServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new SessionServiceFileDescriptorSupplier())
              .addMethod(getCreateSessionMethod())
              .addMethod(getStartSessionMethod())
              .addMethod(getGetSessionMethod())
              .addMethod(getListSessionsMethod())
              .addMethod(getValidateSessionMethod())
              .addMethod(getRenewSessionMethod())
              .addMethod(getRevokeSessionMethod())
              .addMethod(getRevokeSessionsMethod())
              .addMethod(getUpdateSessionMetadataMethod())
              .addMethod(getWatchSessionsMethod())
              .addMethod(getGetJwksMethod())
              .addMethod(getListEndedSessionsMethod())
              .build();
        }
      }
    }
    return result;
  }
}
