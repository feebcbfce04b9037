// SPDX-License-Identifier: GPL-2.0-or-later
//
// Evidence packs on disk: a gzip-compressed POSIX tar (pax) archive of regular files, written and
// read with libarchive. Nothing else is in a pack: no directories, links or devices — a reader
// refuses them, so a pack cannot drop files outside where it is unpacked.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace signet::evidence {

struct ArchiveFile {
  std::string name;  // a plain file name ("evidence.json"), no directories
  std::string content;
};

// The archive, in memory; every file mode 0644 with modification time `mtime` (so the bytes
// depend only on the content and that time).
std::string write_tar_gz(const std::vector<ArchiveFile>& files, uint64_t mtime);

// The files of an archive, in archive order. Throws InputError naming the problem when it is not
// a gzip tar, an entry is not a regular file, a name has a '/' or a name appears twice, or it
// unpacks to more than 1 GiB.
std::vector<ArchiveFile> read_tar_gz(std::string_view bytes);

}  // namespace signet::evidence
