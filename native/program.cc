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
// Reads a TypedArray's data pointer and byte length straight from the C API (the hot path avoids
// materialising ArrayBuffer handles).
bool TypedBytes(napi_env env, napi_value v, Bytes* out) {
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, &offset) != napi_ok) return false;
  size_t elem = 1;
  switch (type) {
    case napi_int16_array: case napi_uint16_array: elem = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: elem = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: elem = 8; break;
    default: break;
  }
  out->data = static_cast<uint8_t*>(data);
  out->len = length * elem;
  return true;
}

Bytes OptBytes(const Napi::CallbackInfo& info, size_t i, const char* what) {
  Bytes b;
  if (ArgIsNullish(info, i)) return b;
  if (!info[i].IsTypedArray() || !TypedBytes(info.Env(), info[i], &b))
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a Buffer");
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
    verified_insns_ = pi.verified_insns;
    name_ = pi.name;
    tag_.reserve(16);
    static const char hex[] = "0123456789abcdef";
    for (unsigned char c : pi.tag) {
      tag_ += hex[c >> 4];
      tag_ += hex[c & 15];
    }
  }

  ~Program() override { Release(); }

  int FdOrThrow(Napi::Env env) {
    if (fd_ < 0) ThrowBpfError(env, "bpf_prog", EBADF, "program handle is closed");
    return fd_;
  }

 private:
  int fd_ = -1;
  uint32_t type_ = 0, id_ = 0, verified_insns_ = 0;
  std::string name_, tag_;

  void Release() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
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
    o.Set("verifiedInsns", static_cast<double>(verified_insns_));
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


// Runner: a test-run configuration bound to one Program, for replay loops. Holds strong references
// to the program and the caller's buffers; run(data, len) is one syscall and no allocation.
class Runner : public Napi::ObjectWrap<Runner> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Runner", {InstanceMethod<&Runner::Run>("run")});
  }

  // new Runner(program, dataOut|null, ctxIn|null, ctxOut|null, repeat, flags, batchSize, cpu, stats)
  Runner(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Runner>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject() || !info[0].As<Napi::Object>().InstanceOf(Data(env).progCtor.Value()))
      throw Napi::TypeError::New(env, "expected a Program handle");
    prog_ = Program::Unwrap(info[0].As<Napi::Object>());
    progRef_ = Napi::Persistent(info[0].As<Napi::Object>());
    const char* names[] = {"dataOut", "ctxIn", "ctxOut"};
    for (int i = 0; i < 3; i++) {
      if (ArgIsNullish(info, 1 + i)) continue;
      OptBytes(info, 1 + i, names[i]);  // type check
      bufs_[i] = Napi::Reference<Napi::Value>::New(info[1 + i], 1);
    }
    repeat_ = ArgIsNullish(info, 4) ? 0 : ArgU32(info, 4, "repeat");
    flags_ = ArgIsNullish(info, 5) ? 0 : ArgU32(info, 5, "flags");
    batch_ = ArgIsNullish(info, 6) ? 0 : ArgU32(info, 6, "batchSize");
    cpu_ = ArgIsNullish(info, 7) ? 0 : ArgU32(info, 7, "cpu");
    Napi::Value sv = info[8];
    if (!sv.IsTypedArray() || sv.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
        sv.As<Napi::TypedArray>().ElementLength() < 3)
      throw Napi::TypeError::New(env, "stats must be a Uint32Array of at least 3 elements");
    stats_ = Napi::Reference<Napi::Value>::New(sv, 1);
  }

 private:
  Program* prog_ = nullptr;
  Napi::ObjectReference progRef_;
  Napi::Reference<Napi::Value> bufs_[3];  // dataOut, ctxIn, ctxOut
  Napi::Reference<Napi::Value> stats_;
  uint32_t repeat_ = 0, flags_ = 0, batch_ = 0, cpu_ = 0;

  static Bytes Deref(napi_env env, const Napi::Reference<Napi::Value>& r) {
    Bytes b;
    if (r.IsEmpty()) return b;
    napi_value v;
    if (napi_get_reference_value(env, r, &v) == napi_ok) TypedBytes(env, v, &b);
    return b;
  }

  // run(data, dataLen) -> retval
  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = prog_->FdOrThrow(env);
    Bytes data;
    if (info.Length() < 1 || !TypedBytes(env, info[0], &data)) throw Napi::TypeError::New(env, "data must be a Buffer");
    uint32_t len = static_cast<uint32_t>(data.len);
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      if (napi_get_value_uint32(env, info[1], &len) != napi_ok) throw Napi::TypeError::New(env, "length must be a number");
      if (len > data.len) throw Napi::RangeError::New(env, "dataLen exceeds data");
    }
    Bytes out = Deref(env, bufs_[0]), ctxIn = Deref(env, bufs_[1]), ctxOut = Deref(env, bufs_[2]);
    Bytes st = Deref(env, stats_);
    struct bpf_test_run_opts o;
    memset(&o, 0, sizeof o);
    o.sz = sizeof o;
    o.data_in = data.data;
    o.data_size_in = len;
    o.data_out = out.data;
    o.data_size_out = static_cast<__u32>(out.len);
    o.ctx_in = ctxIn.data;
    o.ctx_size_in = static_cast<__u32>(ctxIn.len);
    o.ctx_out = ctxOut.data;
    o.ctx_size_out = static_cast<__u32>(ctxOut.len);
    o.repeat = static_cast<int>(repeat_);
    o.flags = flags_;
    o.batch_size = batch_;
    o.cpu = cpu_;
    int ret = bpf_prog_test_run_opts(fd, &o);
    if (ret) ThrowBpfError(env, "bpf_prog_test_run_opts", PosErr(ret));
    if (st.len >= 12) {
      uint32_t* s = reinterpret_cast<uint32_t*>(st.data);
      s[0] = o.duration;
      s[1] = o.data_size_out;
      s[2] = o.ctx_size_out;
    }
    return Napi::Number::New(env, o.retval);
  }
};

}  // namespace

Napi::Function InitRunner(Napi::Env env) { return Runner::Init(env); }

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
