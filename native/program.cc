// Program: one loaded BPF program fd owned by the handle. testRun is the replay hot path: it
// allocates nothing, fills the caller's Buffers and writes the out-sizes into a caller Uint32Array.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "addon.h"

namespace fwctl {
namespace {

thread_local bool t_constructing = false;

// Raw view of an optional Buffer/TypedArray argument (no handle kept beyond the call).
struct Bytes {
  uint8_t* data = nullptr;
  size_t len = 0;
};
Bytes OptBytes(const Napi::CallbackInfo& info, size_t i, const char* what) {
  Bytes b;
  if (ArgIsNullish(info, i)) return b;
  Napi::Value v = info[i];
  if (!v.IsTypedArray()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a Buffer");
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  Napi::ArrayBuffer ab = ta.ArrayBuffer();
  b.data = static_cast<uint8_t*>(ab.Data()) + ta.ByteOffset();
  b.len = ta.ByteLength();
  return b;
}

class Program : public Napi::ObjectWrap<Program> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Program",
                       {
                           InstanceMethod<&Program::Fd>("fd"),
                           InstanceMethod<&Program::Info>("info"),
                           InstanceMethod<&Program::TestRun>("testRun"),
                           InstanceMethod<&Program::Pin>("pin"),
                           InstanceMethod<&Program::Close>("close"),
                       });
  }

  Program(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Program>(info) {
    Napi::Env env = info.Env();
    if (!t_constructing)
      throw Napi::TypeError::New(env, "Program handles come from BpfObject.program or Program.fromPinned");
    fd_ = static_cast<int>(ArgI32(info, 0, "fd"));
    struct bpf_prog_info pi;
    memset(&pi, 0, sizeof pi);
    __u32 len = sizeof pi;
    int ret = bpf_obj_get_info_by_fd(fd_, &pi, &len);
    if (ret) {
      int err = PosErr(ret);
      Release();
      ThrowBpfError(env, "bpf_obj_get_info_by_fd", err);
    }
    type_ = pi.type;
    id_ = pi.id;
    name_ = pi.name;
    tag_.reserve(16);
    static const char hex[] = "0123456789abcdef";
    for (unsigned char c : pi.tag) {
      tag_ += hex[c >> 4];
      tag_ += hex[c & 15];
    }
  }

  ~Program() override { Release(); }

 private:
  int fd_ = -1;
  uint32_t type_ = 0, id_ = 0;
  std::string name_, tag_;

  void Release() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int FdOrThrow(Napi::Env env) {
    if (fd_ < 0) ThrowBpfError(env, "bpf_prog", EBADF, "program handle is closed");
    return fd_;
  }

  Napi::Value Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    const char* tn = libbpf_bpf_prog_type_str(static_cast<enum bpf_prog_type>(type_));
    o.Set("name", name_);
    o.Set("type", static_cast<double>(type_));
    o.Set("typeName", tn ? tn : "unknown");
    o.Set("id", static_cast<double>(id_));
    o.Set("tag", tag_);
    return o;
  }

  // testRun(data, dataLen, dataOut|null, ctxIn|null, ctxOut|null, repeat, flags, batchSize, cpu, stats)
  //   -> retval; stats (Uint32Array >= 3, optional) receives [duration ns, dataSizeOut, ctxSizeOut].
  // dataLen lets a caller replay packets of any length out of one preallocated Buffer.
  Napi::Value TestRun(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = FdOrThrow(env);
    Bytes data = OptBytes(info, 0, "data");
    uint32_t dataLen = ArgIsNullish(info, 1) ? static_cast<uint32_t>(data.len) : ArgU32(info, 1, "dataLen");
    if (dataLen > data.len) throw Napi::RangeError::New(env, "dataLen exceeds data");
    Bytes dataOut = OptBytes(info, 2, "dataOut");
    Bytes ctxIn = OptBytes(info, 3, "ctxIn");
    Bytes ctxOut = OptBytes(info, 4, "ctxOut");
    struct bpf_test_run_opts o;
    memset(&o, 0, sizeof o);
    o.sz = sizeof o;
    o.data_in = data.data;
    o.data_size_in = dataLen;
    o.data_out = dataOut.data;
    o.data_size_out = static_cast<__u32>(dataOut.len);
    o.ctx_in = ctxIn.data;
    o.ctx_size_in = static_cast<__u32>(ctxIn.len);
    o.ctx_out = ctxOut.data;
    o.ctx_size_out = static_cast<__u32>(ctxOut.len);
    o.repeat = ArgIsNullish(info, 5) ? 0 : static_cast<int>(ArgU32(info, 5, "repeat"));
    o.flags = ArgIsNullish(info, 6) ? 0 : ArgU32(info, 6, "flags");
    o.batch_size = ArgIsNullish(info, 7) ? 0 : ArgU32(info, 7, "batchSize");
    o.cpu = ArgIsNullish(info, 8) ? 0 : ArgU32(info, 8, "cpu");
    int ret = bpf_prog_test_run_opts(fd, &o);
    if (ret) ThrowBpfError(env, "bpf_prog_test_run_opts", PosErr(ret));
    if (!ArgIsNullish(info, 9)) {
      Napi::Value sv = info[9];
      if (!sv.IsTypedArray() || sv.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
          sv.As<Napi::TypedArray>().ElementLength() < 3)
        throw Napi::TypeError::New(env, "stats must be a Uint32Array of at least 3 elements");
      Napi::Uint32Array s = sv.As<Napi::Uint32Array>();
      s[0] = o.duration;
      s[1] = o.data_size_out;
      s[2] = o.ctx_size_out;
    }
    return Napi::Number::New(env, o.retval);
  }

  Napi::Value Pin(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = FdOrThrow(env);
    std::string path = ArgString(info, 0, "path");
    int ret = bpf_obj_pin(fd, path.c_str());
    if (ret) ThrowBpfError(env, "bpf_obj_pin", PosErr(ret), path);
    return env.Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Release();
    return info.Env().Undefined();
  }
};

}  // namespace

Napi::Function InitProgram(Napi::Env env) { return Program::Init(env); }

Napi::Object NewProgramFromFd(Napi::Env env, int fd) {
  t_constructing = true;
  try {
    Napi::Object o = Data(env).progCtor.New({Napi::Number::New(env, fd)});
    t_constructing = false;
    return o;
  } catch (...) {
    t_constructing = false;
    throw;
  }
}

}  // namespace fwctl
