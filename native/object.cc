// BpfObject: a bpf_object from bpf_object__open_file, configured before load (globals, map sizes,
// pin paths, map reuse, autoload) and loaded once. Maps and programs handed out after load own a
// dup of the object's fd, so they outlive close().
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "addon.h"

namespace fwctl {
namespace {

const char* MapTypeName(unsigned t) {
  const char* s = libbpf_bpf_map_type_str(static_cast<enum bpf_map_type>(t));
  return s ? s : "unknown";
}
const char* ProgTypeName(unsigned t) {
  const char* s = libbpf_bpf_prog_type_str(static_cast<enum bpf_prog_type>(t));
  return s ? s : "unknown";
}

int DupFd(Napi::Env env, int fd) {
  int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (d < 0) ThrowBpfError(env, "dup", errno);
  return d;
}

class BpfObject : public Napi::ObjectWrap<BpfObject> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "BpfObject",
                       {
                           InstanceMethod<&BpfObject::Name>("name"),
                           InstanceMethod<&BpfObject::Loaded>("loaded"),
                           InstanceMethod<&BpfObject::Load>("load"),
                           InstanceMethod<&BpfObject::Close>("close"),
                           InstanceMethod<&BpfObject::ProgramSpecs>("programSpecs"),
                           InstanceMethod<&BpfObject::Program>("program"),
                           InstanceMethod<&BpfObject::SetAutoload>("setAutoload"),
                           InstanceMethod<&BpfObject::MapSpecs>("mapSpecs"),
                           InstanceMethod<&BpfObject::Map>("map"),
                           InstanceMethod<&BpfObject::SetMapMaxEntries>("setMapMaxEntries"),
                           InstanceMethod<&BpfObject::SetPinPath>("setPinPath"),
                           InstanceMethod<&BpfObject::ReuseMap>("reuseMap"),
                           InstanceMethod<&BpfObject::GlobalVar>("globalVar"),
                           InstanceMethod<&BpfObject::ReadGlobal>("readGlobal"),
                           InstanceMethod<&BpfObject::WriteGlobal>("writeGlobal"),
                           InstanceMethod<&BpfObject::BtfStructQ>("btfStruct"),
                           InstanceMethod<&BpfObject::BtfEnumQ>("btfEnum"),
                       });
  }

  // new BpfObject(path, { objectName?, pinRoot?, kconfig?, btfCustomPath? })
  BpfObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfObject>(info) {
    Napi::Env env = info.Env();
    std::string path = ArgString(info, 0, "path");
    std::string objectName, pinRoot, kconfig, btfPath;
    struct bpf_object_open_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.sz = sizeof opts;
    if (info.Length() > 1 && info[1].IsObject()) {
      Napi::Object o = info[1].As<Napi::Object>();
      auto str = [&](const char* key, std::string* out, const char** field) {
        Napi::Value v = o.Get(key);
        if (v.IsString()) {
          *out = v.As<Napi::String>().Utf8Value();
          *field = out->c_str();
        }
      };
      str("objectName", &objectName, &opts.object_name);
      str("pinRoot", &pinRoot, &opts.pin_root_path);
      str("kconfig", &kconfig, &opts.kconfig);
      str("btfCustomPath", &btfPath, &opts.btf_custom_path);
    }
    BeginLogCapture();
    obj_ = bpf_object__open_file(path.c_str(), &opts);
    int err = errno;
    std::string log = EndLogCapture();
    FlushCaptured(obj_ != nullptr);
    if (!obj_) ThrowBpfError(env, "bpf_object__open_file", err, log.empty() ? path : path + "\n" + log);
  }

  ~BpfObject() override { Release(); }

 private:
  struct bpf_object* obj_ = nullptr;
  bool loaded_ = false;
  struct Mapping {
    void* addr;
    size_t len;
  };
  std::map<const struct bpf_map*, Mapping> live_;  // after load: our mmaps of .data/.bss/.rodata

  void Release() {
    for (auto& [m, mp] : live_) munmap(mp.addr, mp.len);
    live_.clear();
    if (obj_) bpf_object__close(obj_);
    obj_ = nullptr;
  }

  struct bpf_object* Obj(Napi::Env env) {
    if (!obj_) ThrowBpfError(env, "bpf_object", EBADF, "object is closed");
    return obj_;
  }
  void RequireNotLoaded(Napi::Env env, const char* op) {
    if (loaded_) ThrowBpfError(env, op, EBUSY, "object is already loaded");
  }
  void RequireLoaded(Napi::Env env, const char* op) {
    if (!loaded_) ThrowBpfError(env, op, EINVAL, "object is not loaded yet");
  }
  struct bpf_map* FindMap(Napi::Env env, const std::string& name) {
    struct bpf_map* m = bpf_object__find_map_by_name(Obj(env), name.c_str());
    if (!m) ThrowBpfError(env, "bpf_object__find_map_by_name", ENOENT, "no map named " + name);
    return m;
  }
  struct bpf_program* FindProg(Napi::Env env, const std::string& name) {
    struct bpf_program* p = bpf_object__find_program_by_name(Obj(env), name.c_str());
    if (!p) ThrowBpfError(env, "bpf_object__find_program_by_name", ENOENT, "no program named " + name);
    return p;
  }
  const struct btf* Btf(Napi::Env env) {
    const struct btf* b = bpf_object__btf(Obj(env));
    if (!b) ThrowBpfError(env, "bpf_object__btf", ENOENT, "object has no BTF");
    return b;
  }

  Napi::Value Name(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), bpf_object__name(Obj(info.Env())));
  }
  Napi::Value Loaded(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), loaded_); }

  // Loads every autoload program and creates the maps. On failure the error's detail carries what
  // libbpf printed meanwhile, the verifier log included.
  Napi::Value Load(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    struct bpf_object* obj = Obj(env);
    RequireNotLoaded(env, "bpf_object__load");
    BeginLogCapture();
    int ret = bpf_object__load(obj);
    std::string log = EndLogCapture();
    FlushCaptured(ret == 0);
    if (ret) ThrowBpfError(env, "bpf_object__load", PosErr(ret), log);
    loaded_ = true;
    return env.Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Release();
    return info.Env().Undefined();
  }

  Napi::Value ProgramSpecs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    struct bpf_object* obj = Obj(env);
    Napi::Array arr = Napi::Array::New(env);
    struct bpf_program* p;
    uint32_t i = 0;
    bpf_object__for_each_program(p, obj) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", bpf_program__name(p));
      o.Set("sectionName", bpf_program__section_name(p));
      o.Set("type", static_cast<double>(bpf_program__type(p)));
      o.Set("typeName", ProgTypeName(bpf_program__type(p)));
      o.Set("autoload", bpf_program__autoload(p));
      o.Set("insnCount", static_cast<double>(bpf_program__insn_cnt(p)));
      arr.Set(i++, o);
    }
    return arr;
  }

  Napi::Value Program(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    struct bpf_program* p = FindProg(env, ArgString(info, 0, "name"));
    RequireLoaded(env, "bpf_program__fd");
    int fd = bpf_program__fd(p);
    if (fd < 0) ThrowBpfError(env, "bpf_program__fd", PosErr(fd), "program was not loaded (autoload off?)");
    return NewProgramFromFd(env, DupFd(env, fd));
  }

  Napi::Value SetAutoload(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    struct bpf_program* p = FindProg(env, ArgString(info, 0, "name"));
    int ret = bpf_program__set_autoload(p, info[1].ToBoolean().Value());
    if (ret) ThrowBpfError(env, "bpf_program__set_autoload", PosErr(ret));
    return env.Undefined();
  }

  Napi::Value MapSpecs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    struct bpf_object* obj = Obj(env);
    Napi::Array arr = Napi::Array::New(env);
    struct bpf_map* m;
    uint32_t i = 0;
    bpf_object__for_each_map(m, obj) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", bpf_map__name(m));
      o.Set("type", static_cast<double>(bpf_map__type(m)));
      o.Set("typeName", MapTypeName(bpf_map__type(m)));
      o.Set("keySize", static_cast<double>(bpf_map__key_size(m)));
      o.Set("valueSize", static_cast<double>(bpf_map__value_size(m)));
      o.Set("maxEntries", static_cast<double>(bpf_map__max_entries(m)));
      o.Set("flags", static_cast<double>(bpf_map__map_flags(m)));
      o.Set("internal", bpf_map__is_internal(m));
      const char* pin = bpf_map__pin_path(m);
      o.Set("pinPath", pin ? Napi::Value(Napi::String::New(env, pin)) : env.Null());
      arr.Set(i++, o);
    }
    return arr;
  }

  Napi::Value Map(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    struct bpf_map* m = FindMap(env, ArgString(info, 0, "name"));
    RequireLoaded(env, "bpf_map__fd");
    int fd = bpf_map__fd(m);
    if (fd < 0) ThrowBpfError(env, "bpf_map__fd", PosErr(fd), "map was not created");
    return NewMapFromFd(env, DupFd(env, fd));
  }

  Napi::Value SetMapMaxEntries(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    struct bpf_map* m = FindMap(env, ArgString(info, 0, "name"));
    int ret = bpf_map__set_max_entries(m, ArgU32(info, 1, "maxEntries"));
    if (ret) ThrowBpfError(env, "bpf_map__set_max_entries", PosErr(ret));
    return env.Undefined();
  }

  // setPinPath(name, path | null): libbpf reuses the pinned map at load when it exists and is
  // compatible, else creates and pins it there.
  Napi::Value SetPinPath(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    struct bpf_map* m = FindMap(env, ArgString(info, 0, "name"));
    std::string path;
    if (!ArgIsNullish(info, 1)) path = ArgString(info, 1, "path");
    int ret = bpf_map__set_pin_path(m, path.empty() ? nullptr : path.c_str());
    if (ret) ThrowBpfError(env, "bpf_map__set_pin_path", PosErr(ret), path);
    return env.Undefined();
  }

  // reuseMap(name, pinnedPath): the object uses the pinned map instead of creating one.
  Napi::Value ReuseMap(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    struct bpf_map* m = FindMap(env, ArgString(info, 0, "name"));
    std::string path = ArgString(info, 1, "path");
    RequireNotLoaded(env, "bpf_map__reuse_fd");
    int fd = bpf_obj_get(path.c_str());
    if (fd < 0) ThrowBpfError(env, "bpf_obj_get", PosErr(fd), path);
    int ret = bpf_map__reuse_fd(m, fd);  // dups fd internally
    close(fd);
    if (ret) ThrowBpfError(env, "bpf_map__reuse_fd", PosErr(ret), path);
    return env.Undefined();
  }

  // Locates a global in the BTF DATASECs and the internal map that backs its section.
  struct GlobalLoc {
    std::string section;
    uint32_t offset = 0, size = 0;
    struct bpf_map* map = nullptr;
  };
  GlobalLoc Locate(Napi::Env env, const std::string& name) {
    GlobalLoc g;
    if (!BtfFindGlobal(Btf(env), name, &g.section, &g.offset, &g.size))
      ThrowBpfError(env, "btf__find_by_name_kind", ENOENT, "no global variable named " + name);
    g.map = bpf_object__find_map_by_name(Obj(env), g.section.c_str());
    if (!g.map) ThrowBpfError(env, "bpf_object__find_map_by_name", ENOENT, "no map for section " + g.section);
    return g;
  }
  // Before load: libbpf's initial value. After load: the live map, mmapped here (libbpf 1.1 only
  // remaps internal maps for skeletons), read-only for .rodata (frozen by libbpf).
  uint8_t* GlobalBytes(Napi::Env env, const GlobalLoc& g) {
    size_t mapSize = 0;
    uint8_t* base;
    if (!loaded_) {
      const void* init = bpf_map__initial_value(g.map, &mapSize);
      if (!init) ThrowBpfError(env, "bpf_map__initial_value", ENOENT, g.section);
      base = const_cast<uint8_t*>(static_cast<const uint8_t*>(init));
    } else {
      mapSize = bpf_map__value_size(g.map);
      auto it = live_.find(g.map);
      if (it == live_.end()) {
        if (!(bpf_map__map_flags(g.map) & BPF_F_MMAPABLE))
          ThrowBpfError(env, "mmap", ENOTSUP, g.section + " is not mmapable");
        size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
        size_t len = (mapSize + page - 1) / page * page;
        bool ro = g.section.rfind(".rodata", 0) == 0;
        void* addr = mmap(nullptr, len, ro ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(g.map), 0);
        if (addr == MAP_FAILED) ThrowBpfError(env, "mmap", errno, g.section);
        it = live_.emplace(g.map, Mapping{addr, len}).first;
      }
      base = static_cast<uint8_t*>(it->second.addr);
    }
    if (static_cast<size_t>(g.offset) + g.size > mapSize)
      ThrowBpfError(env, "bpf_map__initial_value", ERANGE, g.section + " is smaller than the BTF says");
    return base + g.offset;
  }

  Napi::Value GlobalVar(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    GlobalLoc g = Locate(env, ArgString(info, 0, "name"));
    Napi::Object o = Napi::Object::New(env);
    o.Set("section", g.section);
    o.Set("offset", static_cast<double>(g.offset));
    o.Set("size", static_cast<double>(g.size));
    return o;
  }

  Napi::Value ReadGlobal(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    GlobalLoc g = Locate(env, ArgString(info, 0, "name"));
    return Napi::Buffer<uint8_t>::Copy(env, GlobalBytes(env, g), g.size);
  }

  // writeGlobal(name, bytes): bytes must be exactly the variable's size. After load only
  // .data/.bss can be written (libbpf maps .rodata read-only once frozen).
  Napi::Value WriteGlobal(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string name = ArgString(info, 0, "name");
    Napi::Buffer<uint8_t> buf = ArgBuffer(info, 1, "value");
    GlobalLoc g = Locate(env, name);
    if (buf.Length() != g.size)
      ThrowBpfError(env, "bpf_map__initial_value", EINVAL,
                    name + " is " + std::to_string(g.size) + " bytes, got " + std::to_string(buf.Length()));
    if (loaded_ && g.section.rfind(".rodata", 0) == 0)
      ThrowBpfError(env, "bpf_map__initial_value", EPERM, name + " is read-only after load");
    memcpy(GlobalBytes(env, g), buf.Data(), g.size);
    return env.Undefined();
  }

  Napi::Value BtfStructQ(const Napi::CallbackInfo& info) {
    return BtfStruct(info.Env(), Btf(info.Env()), ArgString(info, 0, "name"));
  }
  Napi::Value BtfEnumQ(const Napi::CallbackInfo& info) {
    return BtfEnum(info.Env(), Btf(info.Env()), ArgString(info, 0, "name"));
  }
};

}  // namespace

Napi::Function InitObject(Napi::Env env) { return BpfObject::Init(env); }

}  // namespace fwctl
