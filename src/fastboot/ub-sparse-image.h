/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define UB_SPARSE_MAGIC       0xed26ff3aU
#define UB_SPARSE_HEADER_SIZE 28u
#define UB_SPARSE_CHUNK_HEADER_SIZE 12u
#define UB_SPARSE_CHUNK_RAW       0xcac1
#define UB_SPARSE_CHUNK_FILL      0xcac2
#define UB_SPARSE_CHUNK_DONT_CARE 0xcac3
#define UB_SPARSE_CHUNK_CRC32     0xcac4

/* AOSP never builds a resparsed piece larger than this (RESPARSE_LIMIT). */
#define UB_SPARSE_RESPARSE_LIMIT (1024 * 1024 * 1024ULL)

#define UB_TYPE_SPARSE_IMAGE (ub_sparse_image_get_type ())
G_DECLARE_FINAL_TYPE (UbSparseImage, ub_sparse_image, UB, SPARSE_IMAGE, GObject)

/*
 * Opens an image file for flashing. An Android sparse image (magic
 * 0xed26ff3a) has its whole chunk table read and validated here (header
 * fields, chunk types, sizes against the file size, sum of chunk_sz equal to
 * total_blks); any defect fails with UB_FASTBOOT_ERROR_INVALID_IMAGE and a
 * message naming the chunk and the problem. Any other file is a raw image.
 * No image data is loaded into memory.
 */
UbSparseImage *ub_sparse_image_new_from_path   (const char     *path,
                                                GError        **error);

const char    *ub_sparse_image_get_path        (UbSparseImage  *self);
gboolean       ub_sparse_image_is_sparse       (UbSparseImage  *self);
guint64        ub_sparse_image_get_file_size   (UbSparseImage  *self);
/* Bytes the image covers on the partition (raw: the file size). */
guint64        ub_sparse_image_get_expanded_size (UbSparseImage *self);
/* Sparse only (0 for raw images). */
guint32        ub_sparse_image_get_block_size  (UbSparseImage  *self);
guint32        ub_sparse_image_get_total_blocks (UbSparseImage *self);
guint32        ub_sparse_image_get_n_chunks    (UbSparseImage  *self);

/*
 * Plans the download pieces for a device whose max-download-size is @limit
 * (0: no limit known). Like AOSP fastboot 29: an image whose file size is
 * <= @limit is one piece, sent as it is (a sparse file holding CRC32 chunks
 * is re-emitted without them); a larger one is resparsed into pieces of at
 * most MIN(@limit, 1 GiB) bytes, byte-identical to what AOSP sends. A raw
 * image larger than @limit is first scanned (fill blocks detected, as
 * libsparse does) and padded to a whole block. May read the whole file, so
 * it honours @cancellable. Can be called again with another limit; a
 * call with the limit of the previous split does nothing.
 */
gboolean       ub_sparse_image_split           (UbSparseImage  *self,
                                                guint64         limit,
                                                GCancellable   *cancellable,
                                                GError        **error);
guint          ub_sparse_image_get_n_pieces    (UbSparseImage  *self);
guint64        ub_sparse_image_get_piece_size  (UbSparseImage  *self,
                                                guint           index);
/* A stream of exactly get_piece_size() bytes; memory use is bounded. */
GInputStream  *ub_sparse_image_open_piece      (UbSparseImage  *self,
                                                guint           index,
                                                GError        **error);

/*
 * Sends the file with @flags (UB_VBMETA_FLAG_*) OR-ed into its vbmeta
 * header, like AOSP's --disable-verity / --disable-verification (see
 * ub-vbmeta.h): the file, at most UB_VBMETA_MAX_SIZE bytes, is read into
 * memory and never changed. Fails with UB_FASTBOOT_ERROR_INVALID_IMAGE for a
 * sparse image, a larger file, or one that is not a vbmeta image. A split
 * with a limit below the file size then fails instead of resparsing.
 */
gboolean       ub_sparse_image_set_vbmeta_flags (UbSparseImage *self,
                                                 guint          flags,
                                                 GError       **error);
/* The flags set by ub_sparse_image_set_vbmeta_flags(), else 0. */
guint          ub_sparse_image_get_vbmeta_flags (UbSparseImage *self);
/* The MD5 (lower-case hex) of the file's bytes that ub_sparse_image_set_vbmeta_flags()
 * read, before the flags were set: what is sent is these bytes and the flags. */
const char    *ub_sparse_image_get_vbmeta_source_md5 (UbSparseImage *self);

G_END_DECLS
