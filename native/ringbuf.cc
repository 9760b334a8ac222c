// RingBuffer: libbpf's ring_buffer driven by the event loop. A uv_poll watches
// ring_buffer__epoll_fd(); when readable, ring_buffer__consume() hands each record to the JS callback
// (copied into a Buffer, as the ring memory is reused) through MakeCallback so promises and
// nextTicks run. No thread, no blocking call.
//
// While open the handle keeps itself alive (and, like a socket, keeps the loop alive unless
// unref()'d). close() from inside the callback is deferred until consume() returns.
#include <bpf/libbpf.h>
#include <uv.h>

#include <cerrno>

#include "addon.h"

namespace fwctl {
namespace {

class RingBuffer : public Napi::ObjectWrap<RingBuffer> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "RingBuffer",
                       {
                           InstanceMethod<&RingBuffer::Consume>("consume"),
                           InstanceMethod<&RingBuffer::Close>("close"),
                           InstanceMethod<&RingBuffer::RefLoop>("ref"),
                           InstanceMethod<&RingBuffer::UnrefLoop>("unref"),
                           InstanceMethod<&RingBuffer::EpollFd>("epollFd"),
                       });
  }

  // new RingBuffer(map, (record: Buffer) => void)
  RingBuffer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RingBuffer>(info), env_(info.Env()) {
    Napi::Env env = info.Env();
    int mapFd = MapFdOf(env, info[0]);
    if (info.Length() < 2 || !info[1].IsFunction()) throw Napi::TypeError::New(env, "callback must be a function");
    BeginLogCapture();
    rb_ = ring_buffer__new(mapFd, &RingBuffer::Sample, this, nullptr);
    int err = errno;
    std::string log = EndLogCapture();
    FlushCaptured(rb_ != nullptr);
    if (!rb_) ThrowBpfError(env, "ring_buffer__new", err, log);
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || !loop) {
      Free();
      throw Napi::Error::New(env, "no event loop");
    }
    poll_ = new uv_poll_t;
    int r = uv_poll_init(loop, poll_, ring_buffer__epoll_fd(rb_));
    if (r == 0) {
      poll_->data = this;
      r = uv_poll_start(poll_, UV_READABLE, &RingBuffer::OnReadable);
    }
    if (r != 0) {
      Free();
      ThrowBpfError(env, "uv_poll_start", -r);
    }
    callback_ = Napi::Persistent(info[1].As<Napi::Function>());
    asyncContext_ = new Napi::AsyncContext(env, "fwctl.RingBuffer", info.This().As<Napi::Object>());
    napi_add_env_cleanup_hook(env, &RingBuffer::Cleanup, this);
    hooked_ = true;
    Ref();  // stay alive while open: records keep arriving even if JS dropped its reference
  }

  ~RingBuffer() override {
    Free();
    Unhook();
  }

 private:
  Napi::Env env_;
  struct ring_buffer* rb_ = nullptr;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference callback_;
  Napi::AsyncContext* asyncContext_ = nullptr;
  bool consuming_ = false;
  bool closeRequested_ = false;
  bool hooked_ = false;
  Napi::Reference<Napi::Value> pendingError_;

  // Frees native resources; safe to call more than once.
  void Free() {
    if (poll_) {
      uv_poll_stop(poll_);
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
      poll_ = nullptr;
    }
    if (rb_) ring_buffer__free(rb_);
    rb_ = nullptr;
    delete asyncContext_;
    asyncContext_ = nullptr;
  }

  // close(): frees, drops the callback and the self-reference. Idempotent.
  void Shutdown() {
    if (!rb_ && !poll_) return;
    Free();
    callback_.Reset();
    Unhook();
    Unref();
  }

  void Unhook() {
    if (hooked_) napi_remove_env_cleanup_hook(env_, &RingBuffer::Cleanup, this);
    hooked_ = false;
  }

  static void Cleanup(void* arg) {
    // Environment teardown (process or worker exit) with the ring buffer still open.
    RingBuffer* self = static_cast<RingBuffer*>(arg);
    self->hooked_ = false;
    self->Free();
  }

  // libbpf calls this for each record, from inside ring_buffer__consume.
  static int Sample(void* ctx, void* data, size_t size) {
    RingBuffer* self = static_cast<RingBuffer*>(ctx);
    if (self->closeRequested_ || !self->pendingError_.IsEmpty()) return -ECANCELED;
    Napi::Env env = self->env_;
    Napi::HandleScope scope(env);
    try {
      Napi::Buffer<uint8_t> rec = Napi::Buffer<uint8_t>::Copy(env, static_cast<uint8_t*>(data), size);
      self->callback_.MakeCallback(self->Value(), {rec}, *self->asyncContext_);
    } catch (const Napi::Error& e) {
      // Never unwind through libbpf's C frames: stop consuming and rethrow once it returns.
      self->pendingError_ = Napi::Reference<Napi::Value>::New(e.Value(), 1);
      return -ECANCELED;
    }
    return self->closeRequested_ ? -ECANCELED : 0;
  }

  // Runs ring_buffer__consume; returns records consumed, or -errno from libbpf.
  int Drain() {
    consuming_ = true;
    int n = ring_buffer__consume(rb_);
    consuming_ = false;
    return n;
  }

  // Takes the callback's exception, if one stopped the drain.
  bool TakePending(Napi::Value* out) {
    if (pendingError_.IsEmpty()) return false;
    *out = pendingError_.Value();
    pendingError_.Reset();
    return true;
  }

  static void OnReadable(uv_poll_t* handle, int status, int events) {
    RingBuffer* self = static_cast<RingBuffer*>(handle->data);
    Napi::Env env = self->env_;
    Napi::HandleScope scope(env);
    Napi::Value err;
    bool failed = false;
    if (status < 0) {
      err = MakeBpfError(env, "uv_poll", -status).Value();
      failed = true;
    } else {
      int n = self->Drain();
      if (self->TakePending(&err)) {
        failed = true;
      } else if (n < 0 && !self->closeRequested_) {
        err = MakeBpfError(env, "ring_buffer__consume", -n).Value();
        failed = true;
      }
    }
    if (self->closeRequested_) self->Shutdown();
    // An exception from the callback (or a poll failure) is an uncaught exception, as it would
    // be for any event-loop callback.
    if (failed) napi_fatal_exception(env, err);
  }

  // consume(): drains synchronously (used on shutdown and in tests); callback errors propagate.
  Napi::Value Consume(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!rb_) ThrowBpfError(env, "ring_buffer__consume", EBADF, "ring buffer is closed");
    if (consuming_) throw Napi::Error::New(env, "consume() called from inside a ring buffer callback");
    int n = Drain();
    Napi::Value err;
    bool failed = TakePending(&err);
    if (closeRequested_) Shutdown();
    if (failed) throw Napi::Error(env, err);
    if (n < 0 && !closeRequested_) ThrowBpfError(env, "ring_buffer__consume", -n);
    return Napi::Number::New(env, n < 0 ? 0 : n);
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (consuming_)
      closeRequested_ = true;  // freed once ring_buffer__consume has returned
    else
      Shutdown();
    return info.Env().Undefined();
  }

  Napi::Value RefLoop(const Napi::CallbackInfo& info) {
    if (poll_) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }
  Napi::Value UnrefLoop(const Napi::CallbackInfo& info) {
    if (poll_) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }
  Napi::Value EpollFd(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), rb_ ? ring_buffer__epoll_fd(rb_) : -1);
  }
};

}  // namespace

Napi::Function InitRingBuffer(Napi::Env env) { return RingBuffer::Init(env); }

}  // namespace fwctl
