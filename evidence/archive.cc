// SPDX-License-Identifier: GPL-2.0-or-later
#include "evidence/archive.hh"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <set>

#include "signer/error.hh"

namespace signet::evidence {

namespace {

struct WriterDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct ReaderDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct EntryDeleter {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

la_ssize_t append_to_string(struct archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

void check(struct archive* a, int rc, const char* what) {
  if (rc < ARCHIVE_WARN)
    throw Error(std::string("evidence pack: ") + what + ": " +
                (archive_error_string(a) ? archive_error_string(a) : "libarchive error"));
}

// What a reader unpacks at most (into memory): far above any real pack, far below what a
// decompression bomb would take.
constexpr size_t kMaxUnpacked = size_t(1) << 30;

}  // namespace

std::string write_tar_gz(const std::vector<ArchiveFile>& files, uint64_t mtime) {
  std::string out;
  std::unique_ptr<struct archive, WriterDeleter> a(archive_write_new());
  check(a.get(), archive_write_add_filter_gzip(a.get()), "gzip");
  // No name or time of the packing machine in the gzip header.
  check(a.get(), archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr), "gzip");
  check(a.get(), archive_write_set_format_pax_restricted(a.get()), "tar format");
  check(a.get(), archive_write_open(a.get(), &out, nullptr, append_to_string, nullptr), "open");
  for (const auto& f : files) {
    std::unique_ptr<struct archive_entry, EntryDeleter> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), f.name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(f.content.size()));
    archive_entry_set_mtime(e.get(), static_cast<time_t>(mtime), 0);
    archive_entry_set_uname(e.get(), "signet");
    archive_entry_set_gname(e.get(), "signet");
    check(a.get(), archive_write_header(a.get(), e.get()), f.name.c_str());
    if (!f.content.empty() && archive_write_data(a.get(), f.content.data(), f.content.size()) !=
                                  static_cast<la_ssize_t>(f.content.size()))
      check(a.get(), ARCHIVE_FATAL, f.name.c_str());
  }
  check(a.get(), archive_write_close(a.get()), "close");
  return out;
}

std::vector<ArchiveFile> read_tar_gz(std::string_view bytes) {
  std::unique_ptr<struct archive, ReaderDeleter> a(archive_read_new());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK)
    throw InputError("not an evidence pack (a gzip-compressed tar archive)");
  std::vector<ArchiveFile> files;
  std::set<std::string> seen;
  size_t total = 0;
  struct archive_entry* e = nullptr;
  for (;;) {
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF)
      break;
    if (rc < ARCHIVE_WARN)
      throw InputError(std::string("not a readable evidence pack: ") +
                       (archive_error_string(a.get()) ? archive_error_string(a.get()) : "?"));
    const char* path = archive_entry_pathname(e);
    std::string name = path ? path : "";
    if (archive_entry_filetype(e) != AE_IFREG)
      throw InputError("evidence pack: '" + name + "' is not a regular file");
    if (name.empty() || name.find('/') != std::string::npos)
      throw InputError("evidence pack: unexpected path '" + name + "'");
    if (!seen.insert(name).second)
      throw InputError("evidence pack: '" + name + "' appears twice");
    ArchiveFile f{name, {}};
    char buf[16384];
    for (la_ssize_t n; (n = archive_read_data(a.get(), buf, sizeof buf)) != 0;) {
      if (n < 0)
        throw InputError("evidence pack: '" + name + "' is truncated or damaged");
      total += static_cast<size_t>(n);
      if (total > kMaxUnpacked)
        throw InputError("evidence pack: more than 1 GiB unpacked; not a Signet evidence pack");
      f.content.append(buf, static_cast<size_t>(n));
    }
    files.push_back(std::move(f));
  }
  return files;
}

}  // namespace signet::evidence
