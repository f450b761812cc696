//===- IRFile.cpp - reading a file of IR, with a nesting limit ------------===//

#include "tools/common/IRFile.h"

#include "tools/common/Diagnostics.h"

#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

namespace tessel {

std::optional<size_t> findExcessNesting(llvm::StringRef text, int limit) {
  int depth = 0;
  for (size_t i = 0, n = text.size(); i < n; ++i) {
    char c = text[i];
    if (c == '"') {
      // A string literal: skip to its closing quote, past escapes.
      for (++i; i < n && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
    } else if (c == '/' && i + 1 < n && text[i + 1] == '/') {
      i = text.find('\n', i);
      if (i == llvm::StringRef::npos)
        break;
    } else if (c == '{' || c == '[' || c == '(') {
      if (++depth > limit)
        return i;
    } else if (c == '}' || c == ']' || c == ')') {
      depth = std::max(depth - 1, 0);
    }
  }
  return std::nullopt;
}

OwningOpRef<ModuleOp> parseIRFile(const std::string &path, MLIRContext &context,
                                  llvm::StringRef tool) {
  std::string message;
  std::unique_ptr<llvm::MemoryBuffer> file = openInputFile(path, &message);
  if (!file) {
    printError(tool, path + ": " + message);
    return nullptr;
  }
  if (!checkIRNesting(*file, path, tool))
    return nullptr;
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  return parseSourceFile<ModuleOp>(sourceMgr, &context);
}

bool checkIRNesting(const llvm::MemoryBuffer &buffer, llvm::StringRef path,
                    llvm::StringRef tool) {
  llvm::StringRef text = buffer.getBuffer();
  std::optional<size_t> at = findExcessNesting(text, kMaxIRNesting);
  if (!at)
    return true;
  llvm::StringRef before = text.take_front(*at);
  size_t line = before.count('\n') + 1;
  size_t column = *at - (before.rfind('\n') + 1) + 1;
  printError(tool, path.str() + ":" + std::to_string(line) + ":" +
                       std::to_string(column) + ": IR nested deeper than " +
                       std::to_string(kMaxIRNesting) + " levels");
  return false;
}

} // namespace tessel
