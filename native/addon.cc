// Module entry of fwctl_native: registers the wrapped objects (object.cc, map.cc, program.cc,
// ringbuf.cc), XDP functions (xdp.cc) and the small functions below: pinned/id lookups, libbpf
// version and CPU count, log level, the error factory hook and the kernel constants the façade uses.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "addon.h"

namespace fwctl {

AddonData& Data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

namespace {

// "anon_inode:bpf-map" / "anon_inode:bpf-prog": tells what a pinned fd is before reading its info
// (bpf_obj_get_info_by_fd would fill a map_info buffer with prog info otherwise).
bool FdIs(int fd, const char* kind) {
  char path[64], target[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, target, sizeof target - 1);
  if (n < 0) return true;  // cannot tell; let the info call decide
  target[n] = 0;
  return strcmp(target, kind) == 0;
}

int OpenPinned(Napi::Env env, const std::string& path, const char* kind, const char* what) {
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) ThrowBpfError(env, "bpf_obj_get", PosErr(fd), path);
  if (!FdIs(fd, kind)) {
    close(fd);
    ThrowBpfError(env, "bpf_obj_get", EINVAL, path + " is not a " + what);
  }
  return fd;
}

Napi::Value OpenPinnedMap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return NewMapFromFd(env, OpenPinned(env, ArgString(info, 0, "path"), "anon_inode:bpf-map", "map"));
}

Napi::Value OpenPinnedProgram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return NewProgramFromFd(env, OpenPinned(env, ArgString(info, 0, "path"), "anon_inode:bpf-prog", "program"));
}

Napi::Value MapFromId(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = ArgU32(info, 0, "id");
  int fd = bpf_map_get_fd_by_id(id);
  if (fd < 0) ThrowBpfError(env, "bpf_map_get_fd_by_id", PosErr(fd), "id " + std::to_string(id));
  return NewMapFromFd(env, fd);
}

Napi::Value ProgramFromId(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = ArgU32(info, 0, "id");
  int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) ThrowBpfError(env, "bpf_prog_get_fd_by_id", PosErr(fd), "id " + std::to_string(id));
  return NewProgramFromFd(env, fd);
}

// unpin(path): removes a pin from bpffs (the object lives on while other fds or pins hold it).
Napi::Value Unpin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = ArgString(info, 0, "path");
  if (unlink(path.c_str())) ThrowBpfError(env, "unlink", errno, path);
  return env.Undefined();
}

Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "factory must be a function");
  Data(info.Env()).errorFactory = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Value LibbpfVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), libbpf_version_string());
}

Napi::Value NumPossibleCpus(const Napi::CallbackInfo& info) {
  int n = libbpf_num_possible_cpus();
  if (n <= 0) ThrowBpfError(info.Env(), "libbpf_num_possible_cpus", PosErr(n));
  return Napi::Number::New(info.Env(), n);
}

Napi::Value SetLogLevelJs(const Napi::CallbackInfo& info) {
  uint32_t level = ArgU32(info, 0, "level");
  if (level > 3) throw Napi::RangeError::New(info.Env(), "level must be 0..3");
  SetLogLevel(static_cast<int>(level));
  return info.Env().Undefined();
}

Napi::Value GetLogLevelJs(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), GetLogLevel()); }

Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
  auto set = [&](const char* k, double v) { c.Set(k, v); };
  set("BPF_ANY", BPF_ANY);
  set("BPF_NOEXIST", BPF_NOEXIST);
  set("BPF_EXIST", BPF_EXIST);
  set("BPF_F_LOCK", BPF_F_LOCK);
  set("BPF_F_TEST_RUN_ON_CPU", BPF_F_TEST_RUN_ON_CPU);
  set("BPF_F_TEST_XDP_LIVE_FRAMES", BPF_F_TEST_XDP_LIVE_FRAMES);
  set("XDP_FLAGS_UPDATE_IF_NOEXIST", XDP_FLAGS_UPDATE_IF_NOEXIST);
  set("XDP_FLAGS_SKB_MODE", XDP_FLAGS_SKB_MODE);
  set("XDP_FLAGS_DRV_MODE", XDP_FLAGS_DRV_MODE);
  set("XDP_FLAGS_HW_MODE", XDP_FLAGS_HW_MODE);
  set("XDP_FLAGS_REPLACE", XDP_FLAGS_REPLACE);
  set("XDP_ATTACHED_NONE", XDP_ATTACHED_NONE);
  set("XDP_ATTACHED_DRV", XDP_ATTACHED_DRV);
  set("XDP_ATTACHED_SKB", XDP_ATTACHED_SKB);
  set("XDP_ATTACHED_HW", XDP_ATTACHED_HW);
  set("XDP_ATTACHED_MULTI", XDP_ATTACHED_MULTI);
  set("XDP_ABORTED", XDP_ABORTED);
  set("XDP_DROP", XDP_DROP);
  set("XDP_PASS", XDP_PASS);
  set("XDP_TX", XDP_TX);
  set("XDP_REDIRECT", XDP_REDIRECT);
  set("SIZEOF_XDP_MD", sizeof(struct xdp_md));
  return c;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData(data);
  InstallPrintCallback();

  Napi::Function map = InitMap(env);
  data->mapCtor = Napi::Persistent(map);
  Napi::Function prog = InitProgram(env);
  data->progCtor = Napi::Persistent(prog);
  exports.Set("Map", map);
  exports.Set("Program", prog);
  exports.Set("Runner", InitRunner(env));
  exports.Set("BpfObject", InitObject(env));
  exports.Set("RingBuffer", InitRingBuffer(env));
  InitXdp(env, exports);

  exports.Set("openPinnedMap", Napi::Function::New<OpenPinnedMap>(env, "openPinnedMap"));
  exports.Set("openPinnedProgram", Napi::Function::New<OpenPinnedProgram>(env, "openPinnedProgram"));
  exports.Set("mapFromId", Napi::Function::New<MapFromId>(env, "mapFromId"));
  exports.Set("programFromId", Napi::Function::New<ProgramFromId>(env, "programFromId"));
  exports.Set("unpin", Napi::Function::New<Unpin>(env, "unpin"));
  exports.Set("setErrorFactory", Napi::Function::New<SetErrorFactory>(env, "setErrorFactory"));
  exports.Set("libbpfVersion", Napi::Function::New<LibbpfVersion>(env, "libbpfVersion"));
  exports.Set("numPossibleCpus", Napi::Function::New<NumPossibleCpus>(env, "numPossibleCpus"));
  exports.Set("setLogLevel", Napi::Function::New<SetLogLevelJs>(env, "setLogLevel"));
  exports.Set("getLogLevel", Napi::Function::New<GetLogLevelJs>(env, "getLogLevel"));
  exports.Set("constants", Constants(env));
  return exports;
}

}  // namespace
}  // namespace fwctl

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return fwctl::Init(env, exports); }
NODE_API_MODULE(fwctl_native, InitModule)
