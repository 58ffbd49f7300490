#include "indexer/build_writer.h"

#include <utility>

#include "common/document_builder.h"

namespace postsearch {

namespace {

// Enough to keep the writer busy while the reader parses the next posts; small enough that
// queued documents (a few hundred KB each at worst) stay a minor part of a build's memory.
constexpr std::size_t kMaxQueued = 64;

}  // namespace

BuildWriter::BuildWriter(Xapian::WritableDatabase& db) : db_(db) {
  thread_ = std::thread([this] { run(); });
}

BuildWriter::~BuildWriter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  queue_.clear();  // on this thread, as the documents' reference counts require
}

void BuildWriter::add(Xapian::Document&& document) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return queue_.size() < kMaxQueued || failure_ != nullptr; });
  if (failure_) std::rethrow_exception(failure_);
  queue_.push_back(std::move(document));
  lock.unlock();
  changed_.notify_all();
}

void BuildWriter::finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (failure_) std::rethrow_exception(failure_);
  for (const auto& [word, count] : spellings_) db_.add_spelling(word, count);
  spellings_.clear();
}

void BuildWriter::run() {
  for (;;) {
    Xapian::Document document;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return !queue_.empty() || closing_; });
      if (stopping_ || queue_.empty()) return;
      document = std::move(queue_.front());
      queue_.pop_front();
    }
    changed_.notify_all();
    try {
      write(document);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      failure_ = std::current_exception();
      changed_.notify_all();
      return;
    }
  }
}

void BuildWriter::write(const Xapian::Document& document) {
  // Every slug is written once in a fresh build (the indexer settles conflicts before), so
  // no lookup of an existing document by its unique term is needed.
  db_.add_document(document);
  for (std::string& word : spelling_words(document)) ++spellings_[std::move(word)];
}

}  // namespace postsearch
