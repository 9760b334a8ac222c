// Error construction and argument checks shared by every wrapped object.
#include <cstring>

#include "addon.h"

namespace fwctl {

Napi::Error MakeBpfError(Napi::Env env, const char* op, int err, const std::string& detail) {
  if (err <= 0) err = EIO;  // a failure without errno still needs a positive one
  AddonData& d = Data(env);
  if (!d.errorFactory.IsEmpty()) {
    Napi::Value e = d.errorFactory.Call({Napi::String::New(env, op), Napi::Number::New(env, err),
                                         Napi::String::New(env, detail)});
    if (e.IsObject()) return Napi::Error(env, e);
  }
  // Fallback before the façade registered its factory: same fields, plain Error.
  const char* name = strerrorname_np(err);
  std::string msg = std::string(op) + ": " + strerror(err);
  if (!detail.empty()) msg += "\n" + detail;
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("op", Napi::String::New(env, op));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("code", Napi::String::New(env, name ? name : "EUNKNOWN"));
  return e;
}

void ThrowBpfError(Napi::Env env, const char* op, int err, const std::string& detail) {
  throw MakeBpfError(env, op, err, detail);
}

Napi::Buffer<uint8_t> ArgBuffer(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsBuffer())
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a Buffer");
  return info[i].As<Napi::Buffer<uint8_t>>();
}

bool ArgIsNullish(const Napi::CallbackInfo& info, size_t i) {
  return i >= info.Length() || info[i].IsNull() || info[i].IsUndefined();
}

uint32_t ArgU32(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0 && v <= 4294967295.0) || v != static_cast<double>(static_cast<uint64_t>(v)))
    throw Napi::RangeError::New(info.Env(), std::string(what) + " must be an integer in [0, 2^32)");
  return static_cast<uint32_t>(v);
}

int32_t ArgI32(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= -2147483648.0 && v <= 2147483647.0) || v != static_cast<double>(static_cast<int64_t>(v)))
    throw Napi::RangeError::New(info.Env(), std::string(what) + " must be a 32-bit integer");
  return static_cast<int32_t>(v);
}

std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsString())
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

}  // namespace fwctl
