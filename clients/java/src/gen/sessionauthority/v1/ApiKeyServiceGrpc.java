package sessionauthority.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * The caller's tenant's API keys, for the operator console. Every method
 * needs the API key scope `console` (or `*`); keys of other tenants are
 * never listed and read as NOT_FOUND.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: sessionauthority/v1/api_key_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class ApiKeyServiceGrpc {

  private ApiKeyServiceGrpc() {}

  public static final String SERVICE_NAME = "sessionauthority.v1.ApiKeyService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysRequest,
      sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysResponse> getListApiKeysMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListApiKeys",
      requestType = sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysRequest.class,
      responseType = sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysRequest,
      sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysResponse> getListApiKeysMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysRequest, sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysResponse> getListApiKeysMethod;
    if ((getListApiKeysMethod = ApiKeyServiceGrpc.getListApiKeysMethod) == null) {
      synchronized (ApiKeyServiceGrpc.class) {
        if ((getListApiKeysMethod = ApiKeyServiceGrpc.getListApiKeysMethod) == null) {
          ApiKeyServiceGrpc.getListApiKeysMethod = getListApiKeysMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysRequest, sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListApiKeys"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ApiKeyServiceMethodDescriptorSupplier("ListApiKeys"))
              .build();
        }
      }
    }
    return getListApiKeysMethod;
  }

  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyRequest,
      sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyResponse> getCreateApiKeyMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateApiKey",
      requestType = sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyRequest.class,
      responseType = sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyRequest,
      sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyResponse> getCreateApiKeyMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyRequest, sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyResponse> getCreateApiKeyMethod;
    if ((getCreateApiKeyMethod = ApiKeyServiceGrpc.getCreateApiKeyMethod) == null) {
      synchronized (ApiKeyServiceGrpc.class) {
        if ((getCreateApiKeyMethod = ApiKeyServiceGrpc.getCreateApiKeyMethod) == null) {
          ApiKeyServiceGrpc.getCreateApiKeyMethod = getCreateApiKeyMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyRequest, sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateApiKey"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ApiKeyServiceMethodDescriptorSupplier("CreateApiKey"))
              .build();
        }
      }
    }
    return getCreateApiKeyMethod;
  }

  private static volatile io.grpc.MethodDescriptor<sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyRequest,
      sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyResponse> getRevokeApiKeyMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RevokeApiKey",
      requestType = sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyRequest.class,
      responseType = sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyRequest,
      sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyResponse> getRevokeApiKeyMethod() {
    io.grpc.MethodDescriptor<sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyRequest, sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyResponse> getRevokeApiKeyMethod;
    if ((getRevokeApiKeyMethod = ApiKeyServiceGrpc.getRevokeApiKeyMethod) == null) {
      synchronized (ApiKeyServiceGrpc.class) {
        if ((getRevokeApiKeyMethod = ApiKeyServiceGrpc.getRevokeApiKeyMethod) == null) {
          ApiKeyServiceGrpc.getRevokeApiKeyMethod = getRevokeApiKeyMethod =
              io.grpc.MethodDescriptor.<sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyRequest, sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RevokeApiKey"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ApiKeyServiceMethodDescriptorSupplier("RevokeApiKey"))
              .build();
        }
      }
    }
    return getRevokeApiKeyMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static ApiKeyServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ApiKeyServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ApiKeyServiceStub>() {
        @java.lang.Override
        public ApiKeyServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ApiKeyServiceStub(channel, callOptions);
        }
      };
    return ApiKeyServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static ApiKeyServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ApiKeyServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ApiKeyServiceBlockingStub>() {
        @java.lang.Override
        public ApiKeyServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ApiKeyServiceBlockingStub(channel, callOptions);
        }
      };
    return ApiKeyServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static ApiKeyServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ApiKeyServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ApiKeyServiceFutureStub>() {
        @java.lang.Override
        public ApiKeyServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ApiKeyServiceFutureStub(channel, callOptions);
        }
      };
    return ApiKeyServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * The caller's tenant's API keys, for the operator console. Every method
   * needs the API key scope `console` (or `*`); keys of other tenants are
   * never listed and read as NOT_FOUND.
   * </pre>
   */
  public static abstract class ApiKeyServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Every key of the caller's tenant, revoked ones included (never the key itself).
     * </pre>
     */
    public void listApiKeys(sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListApiKeysMethod(), responseObserver);
    }

    /**
     * <pre>
     * A new key for the caller's tenant; the response is the only place the key appears.
     * </pre>
     */
    public void createApiKey(sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateApiKeyMethod(), responseObserver);
    }

    /**
     * <pre>
     * Stops a key working (every server refuses it within 5 s). Idempotent.
     * </pre>
     */
    public void revokeApiKey(sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRevokeApiKeyMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getListApiKeysMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysRequest,
                sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysResponse>(
                  this, METHODID_LIST_API_KEYS)))
          .addMethod(
            getCreateApiKeyMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyRequest,
                sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyResponse>(
                  this, METHODID_CREATE_API_KEY)))
          .addMethod(
            getRevokeApiKeyMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyRequest,
                sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyResponse>(
                  this, METHODID_REVOKE_API_KEY)))
          .build();
    }
  }

  /**
   * <pre>
   * The caller's tenant's API keys, for the operator console. Every method
   * needs the API key scope `console` (or `*`); keys of other tenants are
   * never listed and read as NOT_FOUND.
   * </pre>
   */
  public static final class ApiKeyServiceStub extends io.grpc.stub.AbstractAsyncStub<ApiKeyServiceStub> {
    private ApiKeyServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ApiKeyServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ApiKeyServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Every key of the caller's tenant, revoked ones included (never the key itself).
     * </pre>
     */
    public void listApiKeys(sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListApiKeysMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * A new key for the caller's tenant; the response is the only place the key appears.
     * </pre>
     */
    public void createApiKey(sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateApiKeyMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Stops a key working (every server refuses it within 5 s). Idempotent.
     * </pre>
     */
    public void revokeApiKey(sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyRequest request,
        io.grpc.stub.StreamObserver<sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRevokeApiKeyMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * The caller's tenant's API keys, for the operator console. Every method
   * needs the API key scope `console` (or `*`); keys of other tenants are
   * never listed and read as NOT_FOUND.
   * </pre>
   */
  public static final class ApiKeyServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<ApiKeyServiceBlockingStub> {
    private ApiKeyServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ApiKeyServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ApiKeyServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Every key of the caller's tenant, revoked ones included (never the key itself).
     * </pre>
     */
    public sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysResponse listApiKeys(sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListApiKeysMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * A new key for the caller's tenant; the response is the only place the key appears.
     * </pre>
     */
    public sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyResponse createApiKey(sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateApiKeyMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Stops a key working (every server refuses it within 5 s). Idempotent.
     * </pre>
     */
    public sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyResponse revokeApiKey(sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRevokeApiKeyMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * The caller's tenant's API keys, for the operator console. Every method
   * needs the API key scope `console` (or `*`); keys of other tenants are
   * never listed and read as NOT_FOUND.
   * </pre>
   */
  public static final class ApiKeyServiceFutureStub extends io.grpc.stub.AbstractFutureStub<ApiKeyServiceFutureStub> {
    private ApiKeyServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ApiKeyServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ApiKeyServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Every key of the caller's tenant, revoked ones included (never the key itself).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysResponse> listApiKeys(
        sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListApiKeysMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * A new key for the caller's tenant; the response is the only place the key appears.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyResponse> createApiKey(
        sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateApiKeyMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Stops a key working (every server refuses it within 5 s). Idempotent.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyResponse> revokeApiKey(
        sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRevokeApiKeyMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_LIST_API_KEYS = 0;
  private static final int METHODID_CREATE_API_KEY = 1;
  private static final int METHODID_REVOKE_API_KEY = 2;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final ApiKeyServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(ApiKeyServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_LIST_API_KEYS:
          serviceImpl.listApiKeys((sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.ApiKeyServiceOuterClass.ListApiKeysResponse>) responseObserver);
          break;
        case METHODID_CREATE_API_KEY:
          serviceImpl.createApiKey((sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.ApiKeyServiceOuterClass.CreateApiKeyResponse>) responseObserver);
          break;
        case METHODID_REVOKE_API_KEY:
          serviceImpl.revokeApiKey((sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyRequest) request,
              (io.grpc.stub.StreamObserver<sessionauthority.v1.ApiKeyServiceOuterClass.RevokeApiKeyResponse>) responseObserver);
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

  private static abstract class ApiKeyServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    ApiKeyServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return sessionauthority.v1.ApiKeyServiceOuterClass.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("ApiKeyService");
    }
  }

  private static final class ApiKeyServiceFileDescriptorSupplier
      extends ApiKeyServiceBaseDescriptorSupplier {
    ApiKeyServiceFileDescriptorSupplier() {}
  }

  private static final class ApiKeyServiceMethodDescriptorSupplier
      extends ApiKeyServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    ApiKeyServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (ApiKeyServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new ApiKeyServiceFileDescriptorSupplier())
              .addMethod(getListApiKeysMethod())
              .addMethod(getCreateApiKeyMethod())
              .addMethod(getRevokeApiKeyMethod())
              .build();
        }
      }
    }
    return result;
  }
}
