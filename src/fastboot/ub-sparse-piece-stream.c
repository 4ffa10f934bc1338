/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "ub-fastboot-error.h"
#include "ub-sparse-image.h"
#include "ub-sparse-piece-stream.h"

typedef enum {
  PHASE_HEADER,
  PHASE_BODY,
  PHASE_TRAILER,
  PHASE_END,
} Phase;

struct _UbSparsePieceStream
{
  GInputStream parent_instance;

  int      fd;
  guint64  file_size;
  guint64  size;
  guint64  produced;

  /* Sparse mode only. */
  GArray     *extents;
  guint32     block_size;
  guint32     total_blocks;
  UbSparsePos start;
  UbSparsePos end;
  guint32     n_chunks;

  /* Generator state: bytes waiting in pend, then data_left bytes of file
   * data at data_offset, then the next item. */
  Phase   phase;
  guint   index;
  guint64 last_block;
  guint8  pend[32];
  guint   pend_len;
  guint   pend_off;
  guint64 data_offset;
  guint64 data_left;
};

G_DEFINE_FINAL_TYPE (UbSparsePieceStream, ub_sparse_piece_stream, G_TYPE_INPUT_STREAM)

/* The part [*from, *to) of extent @k inside [start, end); FALSE past the end. */
static gboolean
extent_part (const UbSparseExtent *extents,
             UbSparsePos           start,
             UbSparsePos           end,
             guint                 k,
             guint32              *from,
             guint32              *to)
{
  if (k > end.index || (k == end.index && end.offset == 0))
    return FALSE;
  *from = k == start.index ? start.offset : 0;
  *to = k == end.index ? end.offset : extents[k].n_blocks;
  return TRUE;
}

guint64
ub_sparse_piece_measure (const UbSparseExtent *extents,
                         guint32               block_size,
                         guint32               total_blocks,
                         UbSparsePos           start,
                         UbSparsePos           end,
                         guint32              *n_chunks)
{
  guint64 size = UB_SPARSE_HEADER_SIZE;
  guint64 last_block = 0;
  guint32 chunks = 0;
  guint32 from, to;

  for (guint k = start.index; extent_part (extents, start, end, k, &from, &to); k++)
    {
      const UbSparseExtent *ext = &extents[k];

      if (to <= from)
        continue;
      if ((guint64) ext->block + from > last_block)
        {
          size += UB_SPARSE_CHUNK_HEADER_SIZE;
          chunks++;
        }
      if (ext->is_fill)
        size += UB_SPARSE_CHUNK_HEADER_SIZE + 4;
      else
        size += UB_SPARSE_CHUNK_HEADER_SIZE + (guint64) (to - from) * block_size;
      chunks++;
      last_block = (guint64) ext->block + to;
    }
  if (last_block < total_blocks)
    {
      size += UB_SPARSE_CHUNK_HEADER_SIZE;
      chunks++;
    }
  if (n_chunks != NULL)
    *n_chunks = chunks;
  return size;
}

static void
put_le16 (guint8 *p, guint16 v)
{
  p[0] = v & 0xff;
  p[1] = v >> 8;
}

static void
put_le32 (guint8 *p, guint32 v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = v >> 24;
}

static void
pend_chunk (UbSparsePieceStream *self,
            guint16              type,
            guint32              chunk_sz,
            guint32              total_sz)
{
  guint8 *p = self->pend + self->pend_len;

  put_le16 (p, type);
  put_le16 (p + 2, 0);
  put_le32 (p + 4, chunk_sz);
  put_le32 (p + 8, total_sz);
  self->pend_len += UB_SPARSE_CHUNK_HEADER_SIZE;
}

/* Queues the next item (header, chunk, trailing skip); FALSE at the end. */
static gboolean
next_item (UbSparsePieceStream *self)
{
  const UbSparseExtent *extents;
  guint32 from, to;

  self->pend_len = 0;
  self->pend_off = 0;

  switch (self->phase)
    {
    case PHASE_HEADER:
      put_le32 (self->pend, UB_SPARSE_MAGIC);
      put_le16 (self->pend + 4, 1);
      put_le16 (self->pend + 6, 0);
      put_le16 (self->pend + 8, UB_SPARSE_HEADER_SIZE);
      put_le16 (self->pend + 10, UB_SPARSE_CHUNK_HEADER_SIZE);
      put_le32 (self->pend + 12, self->block_size);
      put_le32 (self->pend + 16, self->total_blocks);
      put_le32 (self->pend + 20, self->n_chunks);
      put_le32 (self->pend + 24, 0);
      self->pend_len = UB_SPARSE_HEADER_SIZE;
      self->phase = PHASE_BODY;
      self->index = self->start.index;
      return TRUE;

    case PHASE_BODY:
      extents = (const UbSparseExtent *) (gpointer) self->extents->data;
      while (extent_part (extents, self->start, self->end, self->index, &from, &to))
        {
          const UbSparseExtent *ext = &extents[self->index++];
          guint64 first = (guint64) ext->block + from;

          if (to <= from)
            continue;
          if (first > self->last_block)
            pend_chunk (self, UB_SPARSE_CHUNK_DONT_CARE, first - self->last_block,
                        UB_SPARSE_CHUNK_HEADER_SIZE);
          if (ext->is_fill)
            {
              pend_chunk (self, UB_SPARSE_CHUNK_FILL, to - from, UB_SPARSE_CHUNK_HEADER_SIZE + 4);
              put_le32 (self->pend + self->pend_len, (guint32) ext->value);
              self->pend_len += 4;
            }
          else
            {
              guint64 bytes = (guint64) (to - from) * self->block_size;

              /* total_sz is 32 bits in the format; the planner keeps pieces
               * far below that. */
              pend_chunk (self, UB_SPARSE_CHUNK_RAW, to - from,
                          (guint32) (UB_SPARSE_CHUNK_HEADER_SIZE + bytes));
              self->data_offset = ext->value + (guint64) from * self->block_size;
              self->data_left = bytes;
            }
          self->last_block = (guint64) ext->block + to;
          return TRUE;
        }
      self->phase = PHASE_TRAILER;
      G_GNUC_FALLTHROUGH;

    case PHASE_TRAILER:
      self->phase = PHASE_END;
      if (self->last_block < self->total_blocks)
        {
          pend_chunk (self, UB_SPARSE_CHUNK_DONT_CARE,
                      self->total_blocks - self->last_block, UB_SPARSE_CHUNK_HEADER_SIZE);
          return TRUE;
        }
      G_GNUC_FALLTHROUGH;

    case PHASE_END:
    default:
      return FALSE;
    }
}

/* Reads file bytes [offset, offset + len); bytes past file_size are zeros. */
static gboolean
read_data (UbSparsePieceStream *self,
           guint8              *buf,
           gsize                len,
           guint64              offset,
           GError             **error)
{
  gsize in_file = offset >= self->file_size ? 0 : MIN (len, self->file_size - offset);
  gsize done = 0;

  while (done < in_file)
    {
      ssize_t r = pread (self->fd, buf + done, in_file - done, (off_t) (offset + done));

      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int saved = errno;

          g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO,
                       /* TRANSLATORS: a position in the file, in bytes; then the system's
                        * reason */
                       _("Cannot read the image at offset %" PRIu64 ": %s"),
                       offset + done, g_strerror (saved));
          return FALSE;
        }
      if (r == 0)
        {
          g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO,
                       _("The image file became shorter while it was being read "
                         "(no data at offset %" PRIu64 ")"),
                       offset + done);
          return FALSE;
        }
      done += (gsize) r;
    }
  if (in_file < len)
    memset (buf + in_file, 0, len - in_file);
  return TRUE;
}

static gssize
ub_sparse_piece_stream_read (GInputStream  *stream,
                             void          *buffer,
                             gsize          count,
                             GCancellable  *cancellable,
                             GError       **error)
{
  UbSparsePieceStream *self = UB_SPARSE_PIECE_STREAM (stream);
  guint8 *out = buffer;
  gsize filled = 0;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;

  count = MIN (count, (gsize) G_MAXSSIZE);
  while (filled < count)
    {
      if (self->pend_off < self->pend_len)
        {
          gsize n = MIN (count - filled, (gsize) (self->pend_len - self->pend_off));

          memcpy (out + filled, self->pend + self->pend_off, n);
          self->pend_off += n;
          filled += n;
        }
      else if (self->data_left > 0)
        {
          gsize n = (gsize) MIN ((guint64) (count - filled), self->data_left);

          if (!read_data (self, out + filled, n, self->data_offset, error))
            return -1;
          self->data_offset += n;
          self->data_left -= n;
          filled += n;
        }
      else if (!next_item (self))
        {
          break;
        }
    }

  self->produced += filled;
  g_warn_if_fail (self->produced <= self->size);
  g_warn_if_fail (filled > 0 || count == 0 || self->produced == self->size);
  return (gssize) filled;
}

static gboolean
ub_sparse_piece_stream_close (GInputStream  *stream,
                              GCancellable  *cancellable,
                              GError       **error)
{
  UbSparsePieceStream *self = UB_SPARSE_PIECE_STREAM (stream);

  if (self->fd >= 0)
    {
      close (self->fd);
      self->fd = -1;
    }
  return TRUE;
}

static void
ub_sparse_piece_stream_finalize (GObject *object)
{
  UbSparsePieceStream *self = UB_SPARSE_PIECE_STREAM (object);

  if (self->fd >= 0)
    close (self->fd);
  g_clear_pointer (&self->extents, g_array_unref);

  G_OBJECT_CLASS (ub_sparse_piece_stream_parent_class)->finalize (object);
}

static void
ub_sparse_piece_stream_class_init (UbSparsePieceStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = ub_sparse_piece_stream_finalize;
  stream_class->read_fn = ub_sparse_piece_stream_read;
  stream_class->close_fn = ub_sparse_piece_stream_close;
}

static void
ub_sparse_piece_stream_init (UbSparsePieceStream *self)
{
  self->fd = -1;
}

GInputStream *
ub_sparse_piece_stream_new_copy (int     fd,
                                 guint64 size)
{
  UbSparsePieceStream *self = g_object_new (UB_TYPE_SPARSE_PIECE_STREAM, NULL);

  self->fd = fd;
  self->file_size = size;
  self->size = size;
  self->phase = PHASE_END;
  self->data_offset = 0;
  self->data_left = size;
  return G_INPUT_STREAM (self);
}

GInputStream *
ub_sparse_piece_stream_new_sparse (int          fd,
                                   guint64      file_size,
                                   GArray      *extents,
                                   guint32      block_size,
                                   guint32      total_blocks,
                                   UbSparsePos  start,
                                   UbSparsePos  end)
{
  UbSparsePieceStream *self;

  g_return_val_if_fail (g_array_get_element_size (extents) == sizeof (UbSparseExtent), NULL);

  self = g_object_new (UB_TYPE_SPARSE_PIECE_STREAM, NULL);
  self->fd = fd;
  self->file_size = file_size;
  self->extents = g_array_ref (extents);
  self->block_size = block_size;
  self->total_blocks = total_blocks;
  self->start = start;
  self->end = end;
  self->size = ub_sparse_piece_measure ((const UbSparseExtent *) (gpointer) extents->data,
                                        block_size, total_blocks, start, end,
                                        &self->n_chunks);
  self->phase = PHASE_HEADER;
  return G_INPUT_STREAM (self);
}

guint64
ub_sparse_piece_stream_get_size (UbSparsePieceStream *self)
{
  g_return_val_if_fail (UB_IS_SPARSE_PIECE_STREAM (self), 0);
  return self->size;
}
