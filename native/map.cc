// Map: one BPF map fd owned by the handle (closed by close() or the finalizer, never twice).
// Keys and values cross as Buffers; lengths are checked against the map's sizes so the kernel never
// reads or writes past a Buffer. Per-CPU maps take roundup(valueSize, 8) * possible CPUs per value.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "addon.h"

namespace fwctl {
namespace {

thread_local bool t_constructing = false;

bool IsPerCpu(uint32_t type) {
  return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
         type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

class Map : public Napi::ObjectWrap<Map> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Map",
                       {
                           InstanceMethod<&Map::Fd>("fd"),
                           InstanceMethod<&Map::Info>("info"),
                           InstanceMethod<&Map::Lookup>("lookup"),
                           InstanceMethod<&Map::LookupAndDelete>("lookupAndDelete"),
                           InstanceMethod<&Map::Update>("update"),
                           InstanceMethod<&Map::Delete>("delete"),
                           InstanceMethod<&Map::NextKey>("nextKey"),
                           InstanceMethod<&Map::LookupBatch>("lookupBatch"),
                           InstanceMethod<&Map::LookupAndDeleteBatch>("lookupAndDeleteBatch"),
                           InstanceMethod<&Map::UpdateBatch>("updateBatch"),
                           InstanceMethod<&Map::DeleteBatch>("deleteBatch"),
                           InstanceMethod<&Map::Freeze>("freeze"),
                           InstanceMethod<&Map::Pin>("pin"),
                           InstanceMethod<&Map::Close>("close"),
                       });
  }

  // Only NewMapFromFd constructs; the fd is owned from here on.
  Map(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Map>(info) {
    Napi::Env env = info.Env();
    if (!t_constructing) throw Napi::TypeError::New(env, "Map handles come from BpfObject.map or Map.fromPinned");
    fd_ = static_cast<int>(ArgI32(info, 0, "fd"));
    struct bpf_map_info mi;
    memset(&mi, 0, sizeof mi);
    __u32 len = sizeof mi;
    int ret = bpf_obj_get_info_by_fd(fd_, &mi, &len);
    if (ret) {
      int err = PosErr(ret);
      Release();
      ThrowBpfError(env, "bpf_obj_get_info_by_fd", err);
    }
    type_ = mi.type;
    id_ = mi.id;
    keySize_ = mi.key_size;
    valueSize_ = mi.value_size;
    maxEntries_ = mi.max_entries;
    flags_ = mi.map_flags;
    name_ = mi.name;
    valueBufSize_ = valueSize_;
    if (IsPerCpu(type_)) {
      int ncpu = libbpf_num_possible_cpus();
      if (ncpu <= 0) {
        Release();
        ThrowBpfError(env, "libbpf_num_possible_cpus", PosErr(ncpu));
      }
      valueBufSize_ = ((valueSize_ + 7) & ~7u) * static_cast<uint32_t>(ncpu);
    }
  }

  ~Map() override { Release(); }

  int FdOrThrow(Napi::Env env) {
    if (fd_ < 0) ThrowBpfError(env, "bpf_map", EBADF, "map handle is closed");
    return fd_;
  }

 private:
  int fd_ = -1;
  uint32_t type_ = 0, id_ = 0, keySize_ = 0, valueSize_ = 0, maxEntries_ = 0, flags_ = 0;
  uint32_t valueBufSize_ = 0;
  std::string name_;

  void Release() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  // A key of exactly keySize bytes (NULL for keyless maps such as queues).
  const void* Key(const Napi::CallbackInfo& info, size_t i) {
    Napi::Buffer<uint8_t> k = ArgBuffer(info, i, "key");
    if (k.Length() != keySize_)
      throw Napi::RangeError::New(info.Env(), "key must be " + std::to_string(keySize_) + " bytes, got " +
                                                  std::to_string(k.Length()));
    return keySize_ ? k.Data() : nullptr;
  }
  // Optional caller buffer at i (>= size bytes) or a fresh one.
  Napi::Buffer<uint8_t> OutBuf(const Napi::CallbackInfo& info, size_t i, size_t size, const char* what) {
    if (ArgIsNullish(info, i)) return Napi::Buffer<uint8_t>::New(info.Env(), size);
    Napi::Buffer<uint8_t> b = ArgBuffer(info, i, what);
    if (b.Length() < size)
      throw Napi::RangeError::New(info.Env(), std::string(what) + " must be at least " + std::to_string(size) +
                                                  " bytes, got " + std::to_string(b.Length()));
    return b;
  }

  Napi::Value Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    const char* tn = libbpf_bpf_map_type_str(static_cast<enum bpf_map_type>(type_));
    o.Set("name", name_);
    o.Set("type", static_cast<double>(type_));
    o.Set("typeName", tn ? tn : "unknown");
    o.Set("keySize", static_cast<double>(keySize_));
    o.Set("valueSize", static_cast<double>(valueSize_));
    o.Set("maxEntries", static_cast<double>(maxEntries_));
    o.Set("flags", static_cast<double>(flags_));
    o.Set("id", static_cast<double>(id_));
    o.Set("valueBufferSize", static_cast<double>(valueBufSize_));
    return o;
  }

  // lookup(key, out?) -> out | new Buffer | null when the key is absent.
  Napi::Value Lookup(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = FdOrThrow(env);
    const void* key = Key(info, 0);
    Napi::Buffer<uint8_t> out = OutBuf(info, 1, valueBufSize_, "value buffer");
    int ret = bpf_map_lookup_elem(fd, key, out.Data());
    if (ret == -ENOENT) return env.Null();
    if (ret) ThrowBpfError(env, "bpf_map_lookup_elem", PosErr(ret));
    return out;
  }

  Napi::Value LookupAndDelete(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = FdOrThrow(env);
    const void* key = Key(info, 0);
    Napi::Buffer<uint8_t> out = OutBuf(info, 1, valueBufSize_, "value buffer");
    int ret = bpf_map_lookup_and_delete_elem(fd, const_cast<void*>(key), out.Data());
    if (ret == -ENOENT) return env.Null();
    if (ret) ThrowBpfError(env, "bpf_map_lookup_and_delete_elem", PosErr(ret));
    return out;
  }

  // update(key, value, flags): flags are BPF_ANY/BPF_NOEXIST/BPF_EXIST (| BPF_F_LOCK).
  Napi::Value Update(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = FdOrThrow(env);
    const void* key = Key(info, 0);
    Napi::Buffer<uint8_t> v = ArgBuffer(info, 1, "value");
    if (v.Length() != valueBufSize_)
      throw Napi::RangeError::New(env, "value must be " + std::to_string(valueBufSize_) + " bytes, got " +
                                           std::to_string(v.Length()));
    uint32_t flags = ArgIsNullish(info, 2) ? 0 : ArgU32(info, 2, "flags");
    int ret = bpf_map_update_elem(fd, key, v.Data(), flags);
    if (ret) ThrowBpfError(env, "bpf_map_update_elem", PosErr(ret));
    return env.Undefined();
  }

  // delete(key) -> true when deleted, false when absent.
  Napi::Value Delete(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = FdOrThrow(env);
    int ret = bpf_map_delete_elem(fd, Key(info, 0));
    if (ret == -ENOENT) return Napi::Boolean::New(env, false);
    if (ret) ThrowBpfError(env, "bpf_map_delete_elem", PosErr(ret));
    return Napi::Boolean::New(env, true);
  }

  // nextKey(key | null, out?) -> out | new Buffer | null after the last key.
  Napi::Value NextKey(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = FdOrThrow(env);
    const void* key = ArgIsNullish(info, 0) ? nullptr : Key(info, 0);
    Napi::Buffer<uint8_t> out = OutBuf(info, 1, keySize_, "key buffer");
    int ret = bpf_map_get_next_key(fd, key, out.Data());
    if (ret == -ENOENT) return env.Null();
    if (ret) ThrowBpfError(env, "bpf_map_get_next_key", PosErr(ret));
    return out;
  }

  // Checks the batch buffers: keys >= count*keySize, values >= count*valueBufferSize.
  void CheckBatch(Napi::Env env, const Napi::Buffer<uint8_t>& keys, const Napi::Buffer<uint8_t>* values,
                  uint32_t count) {
    if (static_cast<uint64_t>(keys.Length()) < static_cast<uint64_t>(count) * keySize_)
      throw Napi::RangeError::New(env, "keys buffer holds fewer than count keys");
    if (values && static_cast<uint64_t>(values->Length()) < static_cast<uint64_t>(count) * valueBufSize_)
      throw Napi::RangeError::New(env, "values buffer holds fewer than count values");
  }

  // (inBatch | null, outBatch, keys, values, count, elemFlags) -> { count, done }.
  // inBatch/outBatch are the kernel's opaque cursor (>= max(keySize, 4) bytes).
  Napi::Value BatchLookup(const Napi::CallbackInfo& info, bool andDelete) {
    Napi::Env env = info.Env();
    int fd = FdOrThrow(env);
    const char* op = andDelete ? "bpf_map_lookup_and_delete_batch" : "bpf_map_lookup_batch";
    uint32_t cursorSize = keySize_ < 4 ? 4 : keySize_;
    void* in = nullptr;
    if (!ArgIsNullish(info, 0)) {
      Napi::Buffer<uint8_t> b = ArgBuffer(info, 0, "inBatch");
      if (b.Length() < cursorSize) throw Napi::RangeError::New(env, "inBatch is too small");
      in = b.Data();
    }
    Napi::Buffer<uint8_t> outB = ArgBuffer(info, 1, "outBatch");
    if (outB.Length() < cursorSize) throw Napi::RangeError::New(env, "outBatch is too small");
    Napi::Buffer<uint8_t> keys = ArgBuffer(info, 2, "keys");
    Napi::Buffer<uint8_t> values = ArgBuffer(info, 3, "values");
    uint32_t count = ArgU32(info, 4, "count");
    CheckBatch(env, keys, &values, count);
    struct bpf_map_batch_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.sz = sizeof opts;
    opts.elem_flags = ArgIsNullish(info, 5) ? 0 : ArgU32(info, 5, "elemFlags");
    __u32 n = count;
    int ret = andDelete ? bpf_map_lookup_and_delete_batch(fd, in, outB.Data(), keys.Data(), values.Data(), &n, &opts)
                        : bpf_map_lookup_batch(fd, in, outB.Data(), keys.Data(), values.Data(), &n, &opts);
    bool done = false;
    if (ret == -ENOENT) {
      done = true;  // the kernel says "no more" with ENOENT; n holds what this call still returned
    } else if (ret) {
      ThrowBpfError(env, op, PosErr(ret), std::to_string(n) + " elements were processed before the error");
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("count", static_cast<double>(n));
    o.Set("done", done);
    return o;
  }
  Napi::Value LookupBatch(const Napi::CallbackInfo& info) { return BatchLookup(info, false); }
  Napi::Value LookupAndDeleteBatch(const Napi::CallbackInfo& info) { return BatchLookup(info, true); }

  // updateBatch(keys, values, count, elemFlags) -> count updated
  Napi::Value UpdateBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = FdOrThrow(env);
    Napi::Buffer<uint8_t> keys = ArgBuffer(info, 0, "keys");
    Napi::Buffer<uint8_t> values = ArgBuffer(info, 1, "values");
    uint32_t count = ArgU32(info, 2, "count");
    CheckBatch(env, keys, &values, count);
    struct bpf_map_batch_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.sz = sizeof opts;
    opts.elem_flags = ArgIsNullish(info, 3) ? 0 : ArgU32(info, 3, "elemFlags");
    __u32 n = count;
    int ret = bpf_map_update_batch(fd, keys.Data(), values.Data(), &n, &opts);
    if (ret) ThrowBpfError(env, "bpf_map_update_batch", PosErr(ret), std::to_string(n) + " elements were updated");
    return Napi::Number::New(env, n);
  }

  // deleteBatch(keys, count) -> count deleted
  Napi::Value DeleteBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = FdOrThrow(env);
    Napi::Buffer<uint8_t> keys = ArgBuffer(info, 0, "keys");
    uint32_t count = ArgU32(info, 1, "count");
    CheckBatch(env, keys, nullptr, count);
    struct bpf_map_batch_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.sz = sizeof opts;
    __u32 n = count;
    int ret = bpf_map_delete_batch(fd, keys.Data(), &n, &opts);
    if (ret) ThrowBpfError(env, "bpf_map_delete_batch", PosErr(ret), std::to_string(n) + " elements were deleted");
    return Napi::Number::New(env, n);
  }

  Napi::Value Freeze(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int ret = bpf_map_freeze(FdOrThrow(env));
    if (ret) ThrowBpfError(env, "bpf_map_freeze", PosErr(ret));
    return env.Undefined();
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

Napi::Function InitMap(Napi::Env env) { return Map::Init(env); }

Napi::Object NewMapFromFd(Napi::Env env, int fd) {
  t_constructing = true;
  try {
    Napi::Object o = Data(env).mapCtor.New({Napi::Number::New(env, fd)});
    t_constructing = false;
    return o;
  } catch (...) {
    t_constructing = false;  // the constructor closed fd on failure
    throw;
  }
}

int MapFdOf(Napi::Env env, Napi::Value v) {
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(Data(env).mapCtor.Value()))
    throw Napi::TypeError::New(env, "expected a Map handle");
  return Map::Unwrap(v.As<Napi::Object>())->FdOrThrow(env);
}

}  // namespace fwctl
