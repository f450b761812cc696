//===- Npy.cpp - NumPy .npy files -----------------------------------------===//

#include "runtime/Npy.h"

#include "runtime/Files.h"

#include <cctype>
#include <cstring>
#include <sstream>

namespace tessel {

namespace {

const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

/// Finds `'key':` in the header dictionary and returns the position after
/// the colon, or npos.
size_t findKey(const std::string &header, const std::string &key) {
  for (const char *quote : {"'", "\""}) {
    size_t at = header.find(quote + key + quote);
    if (at == std::string::npos)
      continue;
    size_t colon = header.find(':', at + key.size() + 2);
    if (colon != std::string::npos)
      return colon + 1;
  }
  return std::string::npos;
}

size_t skipSpaces(const std::string &s, size_t i) {
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
    ++i;
  return i;
}

Status parseHeader(const std::string &header, const std::string &name,
                   std::string &descr, bool &fortran,
                   std::vector<int64_t> &shape) {
  auto bad = [&](const char *what) {
    return errorf(name, ": malformed .npy header: ", what);
  };
  size_t at = findKey(header, "descr");
  if (at == std::string::npos)
    return bad("no 'descr'");
  at = skipSpaces(header, at);
  if (at >= header.size() || (header[at] != '\'' && header[at] != '"'))
    return bad("'descr' is not a string (structured dtypes are unsupported)");
  size_t end = header.find(header[at], at + 1);
  if (end == std::string::npos)
    return bad("unterminated 'descr'");
  descr = header.substr(at + 1, end - at - 1);

  at = findKey(header, "fortran_order");
  if (at == std::string::npos)
    return bad("no 'fortran_order'");
  at = skipSpaces(header, at);
  if (header.compare(at, 4, "True") == 0)
    fortran = true;
  else if (header.compare(at, 5, "False") == 0)
    fortran = false;
  else
    return bad("'fortran_order' is neither True nor False");

  at = findKey(header, "shape");
  if (at == std::string::npos)
    return bad("no 'shape'");
  at = skipSpaces(header, at);
  if (at >= header.size() || header[at] != '(')
    return bad("'shape' is not a tuple");
  end = header.find(')', at);
  if (end == std::string::npos)
    return bad("unterminated 'shape'");
  shape.clear();
  std::string dims = header.substr(at + 1, end - at - 1);
  size_t i = 0;
  while ((i = skipSpaces(dims, i)) < dims.size()) {
    if (!std::isdigit(static_cast<unsigned char>(dims[i])))
      return bad("'shape' holds something other than non-negative integers");
    int64_t d = 0;
    while (i < dims.size() &&
           std::isdigit(static_cast<unsigned char>(dims[i]))) {
      if (d > (int64_t(1) << 40))
        return bad("a dimension of 'shape' is too large");
      d = d * 10 + (dims[i++] - '0');
    }
    shape.push_back(d);
    i = skipSpaces(dims, i);
    if (i < dims.size() && dims[i] == ',')
      ++i;
    else if (i < dims.size())
      return bad("'shape' entries are not comma-separated");
  }
  return Status::ok();
}

template <typename T> T loadLE(const char *p) {
  T value;
  std::memcpy(&value, p, sizeof(T)); // x86-64 and AArch64 are little endian.
  return value;
}

} // namespace

const char *numpyName(DType dtype) {
  switch (dtype) {
  case DType::F32:
  case DType::BF16:
    return "float32";
  case DType::F16:
    return "float16";
  case DType::I32:
    return "int32";
  case DType::I64:
    return "int64";
  }
  return "?";
}

Status parseNpy(const std::string &bytes, const std::string &name,
                Tensor &tensor) {
  if (bytes.size() < kMagicSize + 4 ||
      std::memcmp(bytes.data(), kMagic, kMagicSize) != 0)
    return errorf(name, ": not a .npy file (missing the \\x93NUMPY magic)");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = loadLE<uint16_t>(bytes.data() + 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return errorf(name, ": truncated .npy header");
    headerLen = loadLE<uint32_t>(bytes.data() + 8);
    headerStart = 12;
  } else {
    return errorf(name, ": unsupported .npy format version ", major);
  }
  if (bytes.size() < headerStart + headerLen)
    return errorf(name, ": truncated .npy header");
  std::string header = bytes.substr(headerStart, headerLen);
  std::string descr;
  bool fortran = false;
  std::vector<int64_t> shape;
  TESSEL_RETURN_IF_ERROR(parseHeader(header, name, descr, fortran, shape));
  if (fortran)
    return errorf(name, ": Fortran-ordered arrays are not supported; save "
                        "with np.ascontiguousarray");

  DType dtype;
  size_t width;
  if (descr == "<f4") {
    dtype = DType::F32, width = 4;
  } else if (descr == "<f2") {
    dtype = DType::F16, width = 2;
  } else if (descr == "<i4") {
    dtype = DType::I32, width = 4;
  } else if (descr == "<i8") {
    dtype = DType::I64, width = 8;
  } else {
    return errorf(name, ": unsupported dtype '", descr,
                  "' (supported: float32 '<f4', float16 '<f2', int32 '<i4', "
                  "int64 '<i8')");
  }
  // Guard the element count against overflow before trusting it.
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d != 0 && count > static_cast<int64_t>(bytes.size()) / d)
      return errorf(name, ": shape ", formatShape(shape),
                    " is larger than the file");
    count *= d;
  }
  size_t dataStart = headerStart + headerLen;
  size_t expected = static_cast<size_t>(count) * width;
  if (bytes.size() - dataStart != expected)
    return errorf(name, ": data size does not match shape ", formatShape(shape),
                  " of ", descr, ": expected ", expected, " bytes, found ",
                  bytes.size() - dataStart);

  tensor = Tensor::zeros(dtype, shape);
  const char *data = bytes.data() + dataStart;
  for (int64_t i = 0; i < count; ++i) {
    const char *p = data + i * width;
    switch (dtype) {
    case DType::F32:
      tensor.floats[i] = loadLE<float>(p);
      break;
    case DType::F16:
      tensor.floats[i] = halfToFloat(loadLE<uint16_t>(p));
      break;
    case DType::I32:
      tensor.ints[i] = loadLE<int32_t>(p);
      break;
    case DType::I64:
      tensor.ints[i] = loadLE<int64_t>(p);
      break;
    case DType::BF16:
      break;
    }
  }
  return Status::ok();
}

Status readNpy(const std::string &path, Tensor &tensor) {
  std::string bytes;
  TESSEL_RETURN_IF_ERROR(readFile(path, bytes));
  return parseNpy(bytes, path, tensor);
}

std::string serializeNpy(const Tensor &tensor) {
  const char *descr = "<f4";
  size_t width = 4;
  switch (tensor.dtype) {
  case DType::F32:
  case DType::BF16:
    break;
  case DType::F16:
    descr = "<f2", width = 2;
    break;
  case DType::I32:
    descr = "<i4";
    break;
  case DType::I64:
    descr = "<i8", width = 8;
    break;
  }
  std::ostringstream dict;
  dict << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
  for (int64_t d : tensor.shape)
    dict << d << ", ";
  dict << "), }";
  std::string header = dict.str();
  // Pad with spaces so that the data starts on a 64-byte boundary.
  size_t total = kMagicSize + 4 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');

  std::string out(kMagic, kMagicSize);
  out.push_back(1);
  out.push_back(0);
  uint16_t len = static_cast<uint16_t>(header.size());
  out.append(reinterpret_cast<const char *>(&len), 2);
  out += header;
  int64_t count = tensor.numel();
  out.reserve(out.size() + count * width);
  for (int64_t i = 0; i < count; ++i) {
    switch (tensor.dtype) {
    case DType::F32:
    case DType::BF16: {
      float v = tensor.floats[i];
      out.append(reinterpret_cast<const char *>(&v), 4);
      break;
    }
    case DType::F16: {
      uint16_t v = floatToHalf(tensor.floats[i]);
      out.append(reinterpret_cast<const char *>(&v), 2);
      break;
    }
    case DType::I32: {
      int32_t v = static_cast<int32_t>(tensor.ints[i]);
      out.append(reinterpret_cast<const char *>(&v), 4);
      break;
    }
    case DType::I64: {
      int64_t v = tensor.ints[i];
      out.append(reinterpret_cast<const char *>(&v), 8);
      break;
    }
    }
  }
  return out;
}

Status writeNpy(const std::string &path, const Tensor &tensor) {
  return writeFile(path, serializeNpy(tensor));
}

} // namespace tessel
