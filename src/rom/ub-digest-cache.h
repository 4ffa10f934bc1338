/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * MD5s of image files verified earlier, so that checking the same unchanged
 * ROM again (a retry after a failure, a second phone) does not read
 * gigabytes again. An entry is used only while the file's device, inode,
 * size, mtime and ctime are exactly what they were when it was hashed; any
 * change (even touching it) means hashing again. Stored in
 * $XDG_CACHE_HOME/unbrick/digests.ini. Thread-safe.
 */
typedef struct _UbDigestCache UbDigestCache;

/* @path: the cache file, NULL for the default. */
UbDigestCache *ub_digest_cache_new    (const char    *path);
void           ub_digest_cache_free   (UbDigestCache *self);
/* What identifies the file's current content: device, inode, size, mtime, ctime; NULL if missing. */
char          *ub_digest_cache_stamp  (const char    *file);
/* The MD5 recorded for @file (an absolute path) if it has not changed since, or NULL. */
char          *ub_digest_cache_lookup (UbDigestCache *self,
                                       const char    *file);
/* Records @md5 for @file if its stamp is still @stamp, taken before hashing it. */
void           ub_digest_cache_store  (UbDigestCache *self,
                                       const char    *file,
                                       const char    *stamp,
                                       const char    *md5);
/* Writes the cache file (keeps at most the newest few thousand entries). */
gboolean       ub_digest_cache_save   (UbDigestCache *self,
                                       GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UbDigestCache, ub_digest_cache_free)

G_END_DECLS
