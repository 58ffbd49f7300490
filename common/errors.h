// Exceptions that cross module boundaries. Each carries a message a user can act on;
// the CLIs turn them into exit codes and the HTTP layer into status codes.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace postsearch {

// A post that cannot be indexed. `line` is 1-based (0 when no line applies); the indexer
// reports it as `path:line: reason` and goes on with the other posts.
class PostError : public std::runtime_error {
 public:
  PostError(std::size_t line, const std::string& reason)
      : std::runtime_error(reason), line_(line) {}
  std::size_t line() const { return line_; }

 private:
  std::size_t line_;
};

// A search request that cannot be answered as asked: HTTP 400, CLI exit 2.
// `code` is a short machine-readable word for the JSON error ("bad_query", "bad_parameter").
class BadRequest : public std::runtime_error {
 public:
  BadRequest(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// The index cannot be opened or read (missing, corrupt, locked): HTTP 503, CLI exit 2.
class IndexUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A fatal indexing problem (cannot create or write the database): exit 2.
class IndexWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace postsearch
