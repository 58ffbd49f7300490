// Writes the documents of a fresh build (the first run, or --full) on a thread of its own.
//
// Xapian's writer is single-threaded per database and is most of a build's cost, so a fresh
// build is split into parts — databases of their own, each fed by one BuildWriter — which
// IndexStore::publish merges while compacting (the compaction a build does anyway). The
// indexer's own thread reads, parses and tokenizes meanwhile. Incremental runs write the live
// database in one transaction and do not use this.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include <xapian.h>

namespace postsearch {

class BuildWriter {
 public:
  // Starts the thread. `db` must outlive this writer, and nothing else may use it until
  // finish() has returned.
  explicit BuildWriter(Xapian::WritableDatabase& db);
  // Stops the thread, dropping what is still queued (a failed build is thrown away).
  ~BuildWriter();
  BuildWriter(const BuildWriter&) = delete;
  BuildWriter& operator=(const BuildWriter&) = delete;

  // Queues a document, waiting while the queue is full. The caller must hold the only
  // reference to it: Xapian's reference counts are not atomic, so the document moves here
  // whole. Rethrows the exception that stopped the writer, if one did.
  void add(Xapian::Document&& document);

  // Waits until every queued document is written, then records the spelling words (their
  // frequencies summed over the part: one call per word, not one per word per post). Rethrows
  // the exception that stopped the writer, if one did. Does not commit.
  void finish();

 private:
  void run();
  void write(const Xapian::Document& document);
  void rethrow_failure();

  Xapian::WritableDatabase& db_;
  std::unordered_map<std::string, Xapian::termcount> spellings_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Xapian::Document> queue_;
  bool closing_ = false;   // no more documents will come
  bool stopping_ = false;  // leave what is queued
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace postsearch
