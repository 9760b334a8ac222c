// XDP attach/detach/query on an interface (bpf_xdp_*; netlink underneath, no bpf_link: an attached
// program stays attached after the process exits until detached). Flags are passed through as the
// kernel's XDP_FLAGS_*; the façade maps its mode names onto them.
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>

#include <cerrno>
#include <cstring>

#include "addon.h"

namespace fwctl {
namespace {

std::string Where(int ifindex, const std::string& log) {
  std::string s = "ifindex " + std::to_string(ifindex);
  return log.empty() ? s : s + ": " + log;
}

// xdpAttach(ifindex, progFd, flags, oldProgFd | null): with oldProgFd the kernel replaces only that
// program (XDP_FLAGS_REPLACE is added here, as the two only make sense together).
Napi::Value XdpAttach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ifindex = ArgI32(info, 0, "ifindex");
  int progFd = ArgI32(info, 1, "progFd");
  uint32_t flags = ArgU32(info, 2, "flags");
  struct bpf_xdp_attach_opts opts;
  memset(&opts, 0, sizeof opts);
  opts.sz = sizeof opts;
  if (!ArgIsNullish(info, 3)) {
    opts.old_prog_fd = ArgI32(info, 3, "oldProgFd");
    flags |= XDP_FLAGS_REPLACE;
  }
  CapturedCall cap;
  int ret = bpf_xdp_attach(ifindex, progFd, flags, &opts);
  std::string log = cap.Finish(ret == 0);
  if (ret) ThrowBpfError(env, "bpf_xdp_attach", PosErr(ret), Where(ifindex, log));
  return env.Undefined();
}

// xdpDetach(ifindex, flags, expectedProgFd | null)
Napi::Value XdpDetach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ifindex = ArgI32(info, 0, "ifindex");
  uint32_t flags = ArgU32(info, 1, "flags");
  struct bpf_xdp_attach_opts opts;
  memset(&opts, 0, sizeof opts);
  opts.sz = sizeof opts;
  if (!ArgIsNullish(info, 2)) {
    opts.old_prog_fd = ArgI32(info, 2, "expectedProgFd");
    flags |= XDP_FLAGS_REPLACE;
  }
  CapturedCall cap;
  int ret = bpf_xdp_detach(ifindex, flags, &opts);
  std::string log = cap.Finish(ret == 0);
  if (ret) ThrowBpfError(env, "bpf_xdp_detach", PosErr(ret), Where(ifindex, log));
  return env.Undefined();
}

// xdpQuery(ifindex, flags) -> { attachMode, progId, drvProgId, skbProgId, hwProgId }
Napi::Value XdpQuery(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ifindex = ArgI32(info, 0, "ifindex");
  int flags = ArgIsNullish(info, 1) ? 0 : static_cast<int>(ArgU32(info, 1, "flags"));
  struct bpf_xdp_query_opts opts;
  memset(&opts, 0, sizeof opts);
  opts.sz = sizeof opts;
  CapturedCall cap;
  int ret = bpf_xdp_query(ifindex, flags, &opts);
  std::string log = cap.Finish(ret == 0);
  if (ret) ThrowBpfError(env, "bpf_xdp_query", PosErr(ret), Where(ifindex, log));
  Napi::Object o = Napi::Object::New(env);
  o.Set("attachMode", static_cast<double>(opts.attach_mode));
  o.Set("progId", static_cast<double>(opts.prog_id));
  o.Set("drvProgId", static_cast<double>(opts.drv_prog_id));
  o.Set("skbProgId", static_cast<double>(opts.skb_prog_id));
  o.Set("hwProgId", static_cast<double>(opts.hw_prog_id));
  return o;
}

Napi::Value IfNameToIndex(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = ArgString(info, 0, "name");
  errno = 0;
  unsigned idx = if_nametoindex(name.c_str());
  if (idx == 0) ThrowBpfError(env, "if_nametoindex", errno ? errno : ENODEV, name);
  return Napi::Number::New(env, idx);
}

}  // namespace

void InitXdp(Napi::Env env, Napi::Object exports) {
  exports.Set("xdpAttach", Napi::Function::New<XdpAttach>(env, "xdpAttach"));
  exports.Set("xdpDetach", Napi::Function::New<XdpDetach>(env, "xdpDetach"));
  exports.Set("xdpQuery", Napi::Function::New<XdpQuery>(env, "xdpQuery"));
  exports.Set("ifNameToIndex", Napi::Function::New<IfNameToIndex>(env, "ifNameToIndex"));
}

}  // namespace fwctl
