//===- IRFile.h - reading a file of IR, with a nesting limit ----*- C++ -*-===//
//
// MLIR's parser recurses once per nested region: IR nested a few thousand
// levels deep overflows the stack. The tools read IR through this helper,
// which refuses such nesting in one line before parsing.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_TOOLS_COMMON_IRFILE_H
#define TESSEL_TOOLS_COMMON_IRFILE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"

#include <optional>
#include <string>

namespace tessel {

/// The deepest nesting of braces, brackets and parentheses (regions,
/// attributes, types) a file of IR may have.
constexpr int kMaxIRNesting = 512;

/// Where `text` first nests deeper than `limit` (outside string literals and
/// comments), as a byte offset; none when it does not.
std::optional<size_t> findExcessNesting(llvm::StringRef text, int limit);

/// Whether `buffer` (read from `path`) nests within kMaxIRNesting; if not,
/// prints one line from `tool` saying where.
bool checkIRNesting(const llvm::MemoryBuffer &buffer, llvm::StringRef path,
                    llvm::StringRef tool);

/// Parses the file `path` into a module of `context`. Errors (a file that
/// cannot be read, nesting beyond kMaxIRNesting, a parse error) are reported
/// through the context's diagnostics or as one line from `tool`; null then.
mlir::OwningOpRef<mlir::ModuleOp> parseIRFile(const std::string &path,
                                              mlir::MLIRContext &context,
                                              llvm::StringRef tool);

} // namespace tessel

#endif // TESSEL_TOOLS_COMMON_IRFILE_H
