// BTF queries on an object's BTF: struct/union layouts and enum values (so TypeScript can check its
// ABI mirror against the compiled object), and global variables' places in their DATASEC.
#include <bpf/btf.h>

#include <cerrno>

#include "addon.h"

namespace fwctl {
namespace {

const struct btf_type* Skip(const struct btf* btf, uint32_t* id) {
  // Follows typedefs and qualifiers to the type that has the layout.
  const struct btf_type* t = btf__type_by_id(btf, *id);
  while (t && (btf_is_typedef(t) || btf_is_mod(t))) {
    *id = t->type;
    t = btf__type_by_id(btf, *id);
  }
  return t;
}

const char* KindName(const struct btf_type* t) {
  switch (btf_kind(t)) {
    case BTF_KIND_INT: return "int";
    case BTF_KIND_PTR: return "ptr";
    case BTF_KIND_ARRAY: return "array";
    case BTF_KIND_STRUCT: return "struct";
    case BTF_KIND_UNION: return "union";
    case BTF_KIND_ENUM: return "enum";
    case BTF_KIND_ENUM64: return "enum";
    case BTF_KIND_FLOAT: return "float";
    default: return "other";
  }
}

}  // namespace

Napi::Value BtfStruct(Napi::Env env, const struct btf* btf, const std::string& name) {
  int kind = BTF_KIND_STRUCT;
  __s32 id = btf__find_by_name_kind(btf, name.c_str(), BTF_KIND_STRUCT);
  if (id < 0) {
    kind = BTF_KIND_UNION;
    id = btf__find_by_name_kind(btf, name.c_str(), BTF_KIND_UNION);
  }
  if (id < 0) ThrowBpfError(env, "btf__find_by_name_kind", ENOENT, "no struct or union named " + name);
  const struct btf_type* t = btf__type_by_id(btf, id);
  Napi::Object out = Napi::Object::New(env);
  out.Set("name", name);
  out.Set("kind", kind == BTF_KIND_STRUCT ? "struct" : "union");
  out.Set("size", static_cast<double>(t->size));
  Napi::Array members = Napi::Array::New(env);
  const struct btf_member* m = btf_members(t);
  for (uint32_t i = 0; i < btf_vlen(t); i++, m++) {
    Napi::Object o = Napi::Object::New(env);
    uint32_t bitOffset = btf_member_bit_offset(t, i);
    uint32_t typeId = m->type;
    const struct btf_type* mt = btf__type_by_id(btf, typeId);
    const char* typeName = mt ? btf__name_by_offset(btf, mt->name_off) : "";
    const struct btf_type* rt = Skip(btf, &typeId);
    __s64 size = btf__resolve_size(btf, m->type);
    o.Set("name", btf__name_by_offset(btf, m->name_off));
    o.Set("offset", static_cast<double>(bitOffset / 8));
    o.Set("bitOffset", static_cast<double>(bitOffset));
    o.Set("bitSize", static_cast<double>(btf_member_bitfield_size(t, i)));
    o.Set("size", static_cast<double>(size < 0 ? 0 : size));
    o.Set("kind", rt ? KindName(rt) : "other");
    o.Set("typeName", typeName ? typeName : "");
    if (rt && btf_is_array(rt)) o.Set("count", static_cast<double>(btf_array(rt)->nelems));
    members.Set(i, o);
  }
  out.Set("members", members);
  return out;
}

Napi::Value BtfEnum(Napi::Env env, const struct btf* btf, const std::string& name) {
  __s32 id = btf__find_by_name_kind(btf, name.c_str(), BTF_KIND_ENUM);
  if (id < 0) id = btf__find_by_name_kind(btf, name.c_str(), BTF_KIND_ENUM64);
  if (id < 0) ThrowBpfError(env, "btf__find_by_name_kind", ENOENT, "no enum named " + name);
  const struct btf_type* t = btf__type_by_id(btf, id);
  bool isSigned = btf_kflag(t);
  Napi::Object out = Napi::Object::New(env);
  for (uint32_t i = 0; i < btf_vlen(t); i++) {
    double v;
    const char* n;
    if (btf_is_enum(t)) {
      const struct btf_enum* e = btf_enum(t) + i;
      n = btf__name_by_offset(btf, e->name_off);
      v = isSigned ? static_cast<double>(static_cast<int32_t>(e->val)) : static_cast<double>(static_cast<uint32_t>(e->val));
    } else {
      const struct btf_enum64* e = btf_enum64(t) + i;
      n = btf__name_by_offset(btf, e->name_off);
      uint64_t u = btf_enum64_value(e);
      v = isSigned ? static_cast<double>(static_cast<int64_t>(u)) : static_cast<double>(u);
    }
    out.Set(n, v);
  }
  return out;
}

bool BtfFindGlobal(const struct btf* btf, const std::string& name, std::string* section,
                   uint32_t* offset, uint32_t* size) {
  uint32_t n = btf__type_cnt(btf);
  for (uint32_t id = 1; id < n; id++) {
    const struct btf_type* t = btf__type_by_id(btf, id);
    if (!btf_is_datasec(t)) continue;
    const struct btf_var_secinfo* vs = btf_var_secinfos(t);
    for (uint32_t i = 0; i < btf_vlen(t); i++, vs++) {
      const struct btf_type* v = btf__type_by_id(btf, vs->type);
      if (!v || !btf_is_var(v)) continue;
      if (name != btf__name_by_offset(btf, v->name_off)) continue;
      *section = btf__name_by_offset(btf, t->name_off);
      *offset = vs->offset;
      *size = vs->size;
      return true;
    }
  }
  return false;
}

}  // namespace fwctl
