package sessionauthority.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Bans, deletes and reinstates subjects (the people or businesses sessions
 * belong to).
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: sessionauthority/v1/subject_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class SubjectServiceGrpc {

  private SubjectServiceGrpc() {}

  public static final String SERVICE_NAME = "sessionauthority.v1.SubjectService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.SubjectServiceOuterClass.GetSubjectRequest,
      sessionauthority.v1.SubjectServiceOuterClass.GetSubjectResponse> getGetSubjectMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetSubject",
      requestType = sessionauthority.v1.SubjectServiceOuterClass.GetSubjectRequest.class,
      responseType = sessionauthority.v1.SubjectServiceOuterClass.GetSubjectResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.SubjectServiceOuterClass.GetSubjectRequest,
      sessionauthority.v1.SubjectServiceOuterClass.GetSubjectResponse> getGetSubjectMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.SubjectServiceOuterClass.GetSubjectRequest, sessionauthority.v1.SubjectServiceOuterClass.GetSubjectResponse> getGetSubjectMethod;
    if ((getGetSubjectMethod = SubjectServiceGrpc.getGetSubjectMethod) == null) {
      synchronized (SubjectServiceGrpc.class) {
        if ((getGetSubjectMethod = SubjectServiceGrpc.getGetSubjectMethod) == null) {
          SubjectServiceGrpc.getGetSubjectMethod = getGetSubjectMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.SubjectServiceOuterClass.GetSubjectRequest, sessionauthority.v1.SubjectServiceOuterClass.GetSubjectResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetSubject"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SubjectServiceOuterClass.GetSubjectRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SubjectServiceOuterClass.GetSubjectResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SubjectServiceMethodDescriptorSupplier("GetSubject"))
              .build();
        }
      }
    }
    return getGetSubjectMethod;
  }

  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectRequest,
      sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectResponse> getTerminateSubjectMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "TerminateSubject",
      requestType = sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectRequest.class,
      responseType = sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectRequest,
      sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectResponse> getTerminateSubjectMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectRequest, sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectResponse> getTerminateSubjectMethod;
    if ((getTerminateSubjectMethod = SubjectServiceGrpc.getTerminateSubjectMethod) == null) {
      synchronized (SubjectServiceGrpc.class) {
        if ((getTerminateSubjectMethod = SubjectServiceGrpc.getTerminateSubjectMethod) == null) {
          SubjectServiceGrpc.getTerminateSubjectMethod = getTerminateSubjectMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectRequest, sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "TerminateSubject"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SubjectServiceMethodDescriptorSupplier("TerminateSubject"))
              .build();
        }
      }
    }
    return getTerminateSubjectMethod;
  }

  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectRequest,
      sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectResponse> getReinstateSubjectMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ReinstateSubject",
      requestType = sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectRequest.class,
      responseType = sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectRequest,
      sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectResponse> getReinstateSubjectMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectRequest, sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectResponse> getReinstateSubjectMethod;
    if ((getReinstateSubjectMethod = SubjectServiceGrpc.getReinstateSubjectMethod) == null) {
      synchronized (SubjectServiceGrpc.class) {
        if ((getReinstateSubjectMethod = SubjectServiceGrpc.getReinstateSubjectMethod) == null) {
          SubjectServiceGrpc.getReinstateSubjectMethod = getReinstateSubjectMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectRequest, sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ReinstateSubject"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SubjectServiceMethodDescriptorSupplier("ReinstateSubject"))
              .build();
        }
      }
    }
    return getReinstateSubjectMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static SubjectServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SubjectServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SubjectServiceStub>() {
        @java.lang.Override
        public SubjectServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SubjectServiceStub(channel, callOptions);
        }
      };
    return SubjectServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static SubjectServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SubjectServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SubjectServiceBlockingStub>() {
        @java.lang.Override
        public SubjectServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SubjectServiceBlockingStub(channel, callOptions);
        }
      };
    return SubjectServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static SubjectServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SubjectServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SubjectServiceFutureStub>() {
        @java.lang.Override
        public SubjectServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SubjectServiceFutureStub(channel, callOptions);
        }
      };
    return SubjectServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Bans, deletes and reinstates subjects (the people or businesses sessions
   * belong to).
   * </pre>
   */
  public static abstract class SubjectServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Reads a subject and how many live sessions it has.
     * </pre>
     */
    public void getSubject(sessionauthority.v1.SubjectServiceOuterClass.GetSubjectRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SubjectServiceOuterClass.GetSubjectResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetSubjectMethod(), responseObserver);
    }

    /**
     * <pre>
     * Bans or deletes a subject: every live session becomes TERMINATED with the
     * error code, and new sessions are refused until ReinstateSubject.
     * </pre>
     */
    public void terminateSubject(sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getTerminateSubjectMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lets a banned or deleted subject have sessions again.
     * </pre>
     */
    public void reinstateSubject(sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getReinstateSubjectMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getGetSubjectMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.SubjectServiceOuterClass.GetSubjectRequest,
                sessionauthority.v1.SubjectServiceOuterClass.GetSubjectResponse>(
                  this, METHODID_GET_SUBJECT)))
          .addMethod(
            getTerminateSubjectMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectRequest,
                sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectResponse>(
                  this, METHODID_TERMINATE_SUBJECT)))
          .addMethod(
            getReinstateSubjectMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectRequest,
                sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectResponse>(
                  this, METHODID_REINSTATE_SUBJECT)))
          .build();
    }
  }

  /**
   * <pre>
   * Bans, deletes and reinstates subjects (the people or businesses sessions
   * belong to).
   * </pre>
   */
  public static final class SubjectServiceStub extends io.grpc.stub.AbstractAsyncStub<SubjectServiceStub> {
    private SubjectServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SubjectServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SubjectServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Reads a subject and how many live sessions it has.
     * </pre>
     */
    public void getSubject(sessionauthority.v1.SubjectServiceOuterClass.GetSubjectRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SubjectServiceOuterClass.GetSubjectResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetSubjectMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Bans or deletes a subject: every live session becomes TERMINATED with the
     * error code, and new sessions are refused until ReinstateSubject.
     * </pre>
     */
    public void terminateSubject(sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getTerminateSubjectMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lets a banned or deleted subject have sessions again.
     * </pre>
     */
    public void reinstateSubject(sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getReinstateSubjectMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Bans, deletes and reinstates subjects (the people or businesses sessions
   * belong to).
   * </pre>
   */
  public static final class SubjectServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<SubjectServiceBlockingStub> {
    private SubjectServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SubjectServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SubjectServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Reads a subject and how many live sessions it has.
     * </pre>
     */
    public sessionauthority.v1.SubjectServiceOuterClass.GetSubjectResponse getSubject(sessionauthority.v1.SubjectServiceOuterClass.GetSubjectRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetSubjectMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Bans or deletes a subject: every live session becomes TERMINATED with the
     * error code, and new sessions are refused until ReinstateSubject.
     * </pre>
     */
    public sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectResponse terminateSubject(sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getTerminateSubjectMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lets a banned or deleted subject have sessions again.
     * </pre>
     */
    public sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectResponse reinstateSubject(sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getReinstateSubjectMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Bans, deletes and reinstates subjects (the people or businesses sessions
   * belong to).
   * </pre>
   */
  public static final class SubjectServiceFutureStub extends io.grpc.stub.AbstractFutureStub<SubjectServiceFutureStub> {
    private SubjectServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SubjectServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SubjectServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Reads a subject and how many live sessions it has.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.SubjectServiceOuterClass.GetSubjectResponse> getSubject(
        sessionauthority.v1.SubjectServiceOuterClass.GetSubjectRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetSubjectMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Bans or deletes a subject: every live session becomes TERMINATED with the
     * error code, and new sessions are refused until ReinstateSubject.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectResponse> terminateSubject(
        sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getTerminateSubjectMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lets a banned or deleted subject have sessions again.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectResponse> reinstateSubject(
        sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getReinstateSubjectMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_GET_SUBJECT = 0;
  private static final int METHODID_TERMINATE_SUBJECT = 1;
  private static final int METHODID_REINSTATE_SUBJECT = 2;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final SubjectServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(SubjectServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_GET_SUBJECT:
          serviceImpl.getSubject((sessionauthority.v1.SubjectServiceOuterClass.GetSubjectRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.SubjectServiceOuterClass.GetSubjectResponse>) responseObserver);
          break;
        case METHODID_TERMINATE_SUBJECT:
          serviceImpl.terminateSubject((sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.SubjectServiceOuterClass.TerminateSubjectResponse>) responseObserver);
          break;
        case METHODID_REINSTATE_SUBJECT:
          serviceImpl.reinstateSubject((sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.SubjectServiceOuterClass.ReinstateSubjectResponse>) responseObserver);
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

  private static abstract class SubjectServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    SubjectServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return sessionauthority.v1.SubjectServiceOuterClass.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("SubjectService");
    }
  }

  private static final class SubjectServiceFileDescriptorSupplier
      extends SubjectServiceBaseDescriptorSupplier {
    SubjectServiceFileDescriptorSupplier() {}
  }

  private static final class SubjectServiceMethodDescriptorSupplier
      extends SubjectServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    SubjectServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (SubjectServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new SubjectServiceFileDescriptorSupplier())
              .addMethod(getGetSubjectMethod())
              .addMethod(getTerminateSubjectMethod())
              .addMethod(getReinstateSubjectMethod())
              .build();
        }
      }
    }
    return result;
  }
}
