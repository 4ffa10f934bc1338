/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Internal to the sparse code (ub-sparse-image.c). An image to be resparsed
 * is modelled like libsparse's backed-block list: an ordered list of extents,
 * each a run of output blocks backed either by file data (RAW) or by a
 * repeated 32-bit pattern (FILL). Blocks no extent covers are DONT_CARE.
 */
typedef struct {
  guint32 block;          /* first output block */
  guint32 n_blocks;       /* >= 1 */
  guint64 is_fill : 1;
  guint64 value   : 63;   /* FILL: the pattern; RAW: file offset of the data */
} UbSparseExtent;

G_STATIC_ASSERT (sizeof (UbSparseExtent) == 16);

/* A position in an extent list: @offset blocks into extent @index. */
typedef struct {
  guint   index;
  guint32 offset;
} UbSparsePos;

/*
 * Size in bytes (and chunk count) of the sparse file that describes
 * @total_blocks blocks of @block_size bytes and carries the extent range
 * [@start, @end): header, a DONT_CARE chunk before each extent part that does
 * not follow the previous one, one chunk per extent part, a trailing
 * DONT_CARE up to @total_blocks. This is the layout libsparse writes.
 */
guint64 ub_sparse_piece_measure (const UbSparseExtent *extents,
                                 guint32               block_size,
                                 guint32               total_blocks,
                                 UbSparsePos           start,
                                 UbSparsePos           end,
                                 guint32              *n_chunks);

#define UB_TYPE_SPARSE_PIECE_STREAM (ub_sparse_piece_stream_get_type ())
G_DECLARE_FINAL_TYPE (UbSparsePieceStream, ub_sparse_piece_stream, UB, SPARSE_PIECE_STREAM,
                      GInputStream)

/* Streams bytes [0, @size) of @fd as they are. Takes ownership of @fd. */
GInputStream *ub_sparse_piece_stream_new_copy   (int          fd,
                                                 guint64      size);

/*
 * Generates the sparse file described by ub_sparse_piece_measure() on the
 * fly. RAW data is read from @fd with pread(); bytes at or past @file_size
 * read as zeros (the padded tail of a raw image). Takes ownership of @fd and
 * a reference on @extents, which must not change afterwards.
 */
GInputStream *ub_sparse_piece_stream_new_sparse (int          fd,
                                                 guint64      file_size,
                                                 GArray      *extents,
                                                 guint32      block_size,
                                                 guint32      total_blocks,
                                                 UbSparsePos  start,
                                                 UbSparsePos  end);

/* Total bytes the stream produces. */
guint64       ub_sparse_piece_stream_get_size   (UbSparsePieceStream *self);

G_END_DECLS
