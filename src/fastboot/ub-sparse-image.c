/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ub-fastboot-error.h"
#include "ub-sparse-image.h"
#include "ub-sparse-piece-stream.h"
#include "ub-vbmeta.h"

/*
 * Splitting follows AOSP fastboot 29 / libsparse exactly:
 *  - the image is turned into an extent list like libsparse's backed-block
 *    list (sparse import: one RAW extent per RAW chunk, FILL chunks merged
 *    when adjacent with the same pattern, DONT_CARE and CRC32 dropped; raw
 *    import: 4096-byte blocks, a block whose 32-bit words are all equal is a
 *    FILL, the rest RAW, adjacent compatible blocks merged);
 *  - sparse_file_resparse()/move_chunks_up_to_len() cut it greedily into
 *    pieces, each written like sparse_file_callback() without CRC.
 */

#define RAW_BLOCK_SIZE 4096
#define SCAN_BUFFER_SIZE (4 * 1024 * 1024)
/* libsparse reserves room for the header, a leading and a trailing DONT_CARE
 * and a CRC value in every piece. */
#define PIECE_OVERHEAD (UB_SPARSE_HEADER_SIZE + 2 * UB_SPARSE_CHUNK_HEADER_SIZE + 4)

typedef struct {
  gboolean    copy;   /* the file as it is */
  UbSparsePos start;
  UbSparsePos end;
  guint64     size;
} Piece;

struct _UbSparseImage
{
  GObject parent_instance;

  char    *path;
  int      fd;
  guint64  file_size;
  gint64   mtime_usec;

  gboolean is_sparse;
  guint32  block_size;     /* sparse header fields */
  guint32  total_blocks;
  guint32  n_chunks;
  gboolean has_crc;
  gboolean odd_headers;   /* file_hdr_sz != 28 or chunk_hdr_sz != 12 */

  /* The extent model: built on open for a sparse image, by the first split
   * that needs it for a raw image. Never modified once built. */
  GArray  *extents;
  guint32  model_block_size;
  guint32  model_total_blocks;

  GArray  *pieces;         /* Piece; empty until a split succeeds */
  guint64  split_limit;    /* the limit of the last split */

  GBytes  *content;        /* what is sent instead of the file (vbmeta flags set), or NULL */
  guint    vbmeta_flags;
  char    *content_md5;    /* MD5 of the file's bytes as read, before the flags were set */
};

G_DEFINE_FINAL_TYPE (UbSparseImage, ub_sparse_image, G_TYPE_OBJECT)

static void
ub_sparse_image_finalize (GObject *object)
{
  UbSparseImage *self = UB_SPARSE_IMAGE (object);

  if (self->fd >= 0)
    close (self->fd);
  g_free (self->path);
  g_clear_pointer (&self->extents, g_array_unref);
  g_clear_pointer (&self->pieces, g_array_unref);
  g_clear_pointer (&self->content, g_bytes_unref);
  g_free (self->content_md5);

  G_OBJECT_CLASS (ub_sparse_image_parent_class)->finalize (object);
}

static void
ub_sparse_image_class_init (UbSparseImageClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_sparse_image_finalize;
}

static void
ub_sparse_image_init (UbSparseImage *self)
{
  self->fd = -1;
  self->pieces = g_array_new (FALSE, FALSE, sizeof (Piece));
}

static guint16
get_le16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static guint32
get_le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

/* Reads exactly @len bytes at @offset; a short file is an I/O error here
 * because callers check sizes against file_size first. */
static gboolean
read_at (UbSparseImage *self,
         void          *buf,
         gsize          len,
         guint64        offset,
         GError       **error)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t r = pread (self->fd, (guint8 *) buf + done, len - done, (off_t) (offset + done));

      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        {
          g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO,
                       /* TRANSLATORS: %s: a file name; a position in the file, in bytes;
                        * the system's reason */
                       _("Cannot read '%s' at offset %" PRIu64 ": %s"), self->path,
                       offset + done, r < 0 ? g_strerror (errno) : _("unexpected end of file"));
          return FALSE;
        }
      done += (gsize) r;
    }
  return TRUE;
}

static void
extents_append (GArray  *extents,
                guint32  block,
                guint32  n_blocks,
                gboolean is_fill,
                guint64  value)
{
  UbSparseExtent ext = { .block = block, .n_blocks = n_blocks, .is_fill = is_fill, .value = value };

  /* libsparse merge_bb(): same kind, adjacent, and the same pattern (FILL)
   * or contiguous file data (RAW). */
  if (extents->len > 0)
    {
      UbSparseExtent *last = &g_array_index (extents, UbSparseExtent, extents->len - 1);

      if (last->is_fill == is_fill && (guint64) last->block + last->n_blocks == block &&
          (is_fill ? last->value == value
                   : last->value + (guint64) last->n_blocks * RAW_BLOCK_SIZE == value))
        {
          last->n_blocks += n_blocks;
          return;
        }
    }
  g_array_append_val (extents, ext);
}

#define INVALID(...) \
  (g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE, __VA_ARGS__), FALSE)

static const char *
chunk_type_name (guint16 type)
{
  switch (type)
    {
    case UB_SPARSE_CHUNK_RAW:
      return "RAW";
    case UB_SPARSE_CHUNK_FILL:
      return "FILL";
    case UB_SPARSE_CHUNK_DONT_CARE:
      return "DONT_CARE";
    case UB_SPARSE_CHUNK_CRC32:
      return "CRC32";
    default:
      return "unknown";
    }
}

static gboolean
parse_sparse (UbSparseImage *self,
              GError       **error)
{
  guint8 hdr[UB_SPARSE_HEADER_SIZE];
  guint16 major, minor, file_hdr_sz, chunk_hdr_sz;
  guint32 total_chunks;
  guint64 offset, cur_block = 0;
  g_autoptr(GArray) extents = g_array_new (FALSE, FALSE, sizeof (UbSparseExtent));

  if (self->file_size < UB_SPARSE_HEADER_SIZE)
    /* TRANSLATORS: a sparse image is the packed form of a big partition image */
    return INVALID (_("Sparse image is truncated: the file has %" PRIu64
                      " bytes, less than the %u-byte sparse header"),
                    self->file_size, UB_SPARSE_HEADER_SIZE);
  if (!read_at (self, hdr, sizeof hdr, 0, error))
    return FALSE;

  major = get_le16 (hdr + 4);
  minor = get_le16 (hdr + 6);
  file_hdr_sz = get_le16 (hdr + 8);
  chunk_hdr_sz = get_le16 (hdr + 10);
  self->block_size = get_le32 (hdr + 12);
  self->total_blocks = get_le32 (hdr + 16);
  total_chunks = get_le32 (hdr + 20);
  self->odd_headers = file_hdr_sz != UB_SPARSE_HEADER_SIZE ||
                      chunk_hdr_sz != UB_SPARSE_CHUNK_HEADER_SIZE;

  if (major != 1)
    return INVALID (_("Unsupported sparse image version %u.%u (only version 1 is supported)"),
                    major, minor);
  if (file_hdr_sz < UB_SPARSE_HEADER_SIZE)
    return INVALID (_("Invalid sparse image: the file header size is %u bytes, less than %u"),
                    file_hdr_sz, UB_SPARSE_HEADER_SIZE);
  if (chunk_hdr_sz < UB_SPARSE_CHUNK_HEADER_SIZE)
    return INVALID (_("Invalid sparse image: the chunk header size is %u bytes, less than %u"),
                    chunk_hdr_sz, UB_SPARSE_CHUNK_HEADER_SIZE);
  if (self->block_size == 0 || self->block_size % 4 != 0)
    return INVALID (_("Invalid sparse image: the block size %u is not a non-zero multiple "
                      "of 4"),
                    self->block_size);
  if (file_hdr_sz > self->file_size)
    return INVALID (_("Sparse image is truncated: the %u-byte file header is longer than the "
                      "file (%" PRIu64 " bytes)"),
                    file_hdr_sz, self->file_size);

  offset = file_hdr_sz;
  for (guint32 i = 0; i < total_chunks; i++)
    {
      guint8 ch[UB_SPARSE_CHUNK_HEADER_SIZE];
      guint16 type;
      guint32 chunk_sz, total_sz;
      guint64 expected, data_offset;

      if (offset == self->file_size)
        return INVALID (_("Sparse image is truncated: the header declares %u chunks but the "
                          "file ends after chunk %u"),
                        total_chunks, i);
      if (offset + chunk_hdr_sz > self->file_size)
        return INVALID (_("Sparse image is truncated: chunk %u of %u needs a %u-byte header at "
                          "offset %" PRIu64 ", but the file ends at %" PRIu64),
                        i + 1, total_chunks, chunk_hdr_sz, offset, self->file_size);
      if (!read_at (self, ch, sizeof ch, offset, error))
        return FALSE;

      type = get_le16 (ch);
      chunk_sz = get_le32 (ch + 4);
      total_sz = get_le32 (ch + 8);
      data_offset = offset + chunk_hdr_sz;

      switch (type)
        {
        case UB_SPARSE_CHUNK_RAW:
          expected = chunk_hdr_sz + (guint64) chunk_sz * self->block_size;
          break;
        case UB_SPARSE_CHUNK_FILL:
          expected = chunk_hdr_sz + 4;
          break;
        case UB_SPARSE_CHUNK_DONT_CARE:
          expected = chunk_hdr_sz;
          break;
        case UB_SPARSE_CHUNK_CRC32:
          expected = chunk_hdr_sz + 4;
          if (chunk_sz != 0)
            return INVALID (_("Invalid sparse image: CRC32 chunk %u of %u at offset %"
                              PRIu64 " has a block count of %u, expected 0"),
                            i + 1, total_chunks, offset, chunk_sz);
          break;
        default:
          return INVALID (_("Invalid sparse image: chunk %u of %u at offset %" PRIu64
                            " has unknown type 0x%04x"),
                          i + 1, total_chunks, offset, type);
        }

      if (total_sz != expected)
        /* TRANSLATORS: %s: a chunk type (RAW, FILL, DONT_CARE or CRC32), keep it */
        return INVALID (_("Invalid sparse image: %s chunk %u of %u at offset %" PRIu64
                          " has total size %u, expected %" PRIu64),
                        chunk_type_name (type), i + 1, total_chunks, offset, total_sz, expected);
      if (offset + total_sz > self->file_size)
        return INVALID (_("Sparse image is truncated: chunk %u of %u needs %" PRIu64
                          " bytes at offset %" PRIu64 ", but the file ends at %" PRIu64),
                        i + 1, total_chunks, (guint64) total_sz - chunk_hdr_sz, data_offset,
                        self->file_size);
      if (cur_block + chunk_sz > self->total_blocks)
        return INVALID (_("Invalid sparse image: chunk %u of %u ends at block %" PRIu64
                          ", past the %u blocks the header declares"),
                        i + 1, total_chunks, cur_block + chunk_sz, self->total_blocks);

      /* Zero-block chunks carry nothing; they are left out of the model. */
      if (type == UB_SPARSE_CHUNK_RAW && chunk_sz > 0)
        {
          UbSparseExtent ext = { .block = (guint32) cur_block, .n_blocks = chunk_sz,
                                 .is_fill = FALSE, .value = data_offset };

          /* Never merged: a chunk header always separates RAW payloads. */
          g_array_append_val (extents, ext);
        }
      else if (type == UB_SPARSE_CHUNK_FILL && chunk_sz > 0)
        {
          guint8 pattern[4];

          if (!read_at (self, pattern, sizeof pattern, data_offset, error))
            return FALSE;
          extents_append (extents, (guint32) cur_block, chunk_sz, TRUE, get_le32 (pattern));
        }
      else if (type == UB_SPARSE_CHUNK_CRC32)
        {
          self->has_crc = TRUE;
        }

      cur_block += chunk_sz;
      offset += total_sz;
    }

  if (offset < self->file_size)
    return INVALID (_("Invalid sparse image: the header declares %u chunks but %" PRIu64
                      " more bytes follow the last one at offset %" PRIu64),
                    total_chunks, self->file_size - offset, offset);
  if (cur_block != self->total_blocks)
    return INVALID (_("Invalid sparse image: the chunks cover %" PRIu64
                      " blocks but the header declares %u"),
                    cur_block, self->total_blocks);

  self->n_chunks = total_chunks;
  self->extents = g_steal_pointer (&extents);
  self->model_block_size = self->block_size;
  self->model_total_blocks = self->total_blocks;
  return TRUE;
}

UbSparseImage *
ub_sparse_image_new_from_path (const char  *path,
                               GError     **error)
{
  g_autoptr(UbSparseImage) self = NULL;
  struct stat st;
  guint8 magic[4];

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (UB_TYPE_SPARSE_IMAGE, NULL);
  self->path = g_strdup (path);
  self->fd = open (path, O_RDONLY | O_CLOEXEC);
  if (self->fd < 0)
    {
      int saved = errno;

      /* TRANSLATORS: %s: a file name, then the system's reason */
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO, _("Cannot open '%s': %s"), path,
                   g_strerror (saved));
      return NULL;
    }
  /* images are read front to back: ask for aggressive readahead (slow disks) */
  (void) posix_fadvise (self->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  if (fstat (self->fd, &st) != 0)
    {
      int saved = errno;

      /* TRANSLATORS: %s: a file name, then the system's reason */
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO, _("Cannot read '%s': %s"), path,
                   g_strerror (saved));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE,
                   _("'%s' is not a regular file"), path);
      return NULL;
    }
  self->file_size = (guint64) st.st_size;
  self->mtime_usec = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;

  if (self->file_size >= sizeof magic)
    {
      if (!read_at (self, magic, sizeof magic, 0, error))
        return NULL;
      self->is_sparse = get_le32 (magic) == UB_SPARSE_MAGIC;
    }
  if (self->is_sparse && !parse_sparse (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
ub_sparse_image_get_path (UbSparseImage *self)
{
  g_return_val_if_fail (UB_IS_SPARSE_IMAGE (self), NULL);
  return self->path;
}

gboolean
ub_sparse_image_is_sparse (UbSparseImage *self)
{
  g_return_val_if_fail (UB_IS_SPARSE_IMAGE (self), FALSE);
  return self->is_sparse;
}

guint64
ub_sparse_image_get_file_size (UbSparseImage *self)
{
  g_return_val_if_fail (UB_IS_SPARSE_IMAGE (self), 0);
  return self->file_size;
}

guint64
ub_sparse_image_get_expanded_size (UbSparseImage *self)
{
  g_return_val_if_fail (UB_IS_SPARSE_IMAGE (self), 0);
  if (self->is_sparse)
    return (guint64) self->total_blocks * self->block_size;
  return self->file_size;
}

guint32
ub_sparse_image_get_block_size (UbSparseImage *self)
{
  g_return_val_if_fail (UB_IS_SPARSE_IMAGE (self), 0);
  return self->is_sparse ? self->block_size : 0;
}

guint32
ub_sparse_image_get_total_blocks (UbSparseImage *self)
{
  g_return_val_if_fail (UB_IS_SPARSE_IMAGE (self), 0);
  return self->is_sparse ? self->total_blocks : 0;
}

guint32
ub_sparse_image_get_n_chunks (UbSparseImage *self)
{
  g_return_val_if_fail (UB_IS_SPARSE_IMAGE (self), 0);
  return self->is_sparse ? self->n_chunks : 0;
}

/* A block is a FILL block when all its 32-bit words are equal, that is when
 * it equals itself shifted by one word. */
static inline gboolean
block_is_uniform (const guint8 *p)
{
  return memcmp (p, p + 4, RAW_BLOCK_SIZE - 4) == 0;
}

/* libsparse sparse_file_read_normal(), with the last partial block padded
 * with zeros (AOSP cannot resparse such an image at all). */
static gboolean
scan_raw (UbSparseImage *self,
          GCancellable  *cancellable,
          GError       **error)
{
  guint64 n_blocks = (self->file_size + RAW_BLOCK_SIZE - 1) / RAW_BLOCK_SIZE;
  g_autoptr(GArray) extents = NULL;
  g_autofree guint8 *buf = NULL;
  guint64 offset = 0;

  if (self->extents != NULL)
    return TRUE;
  if (n_blocks > G_MAXUINT32)
    return INVALID (_("The image is too large to be split (%" PRIu64 " bytes)"),
                    self->file_size);

  extents = g_array_new (FALSE, FALSE, sizeof (UbSparseExtent));
  buf = g_malloc (SCAN_BUFFER_SIZE);
  posix_fadvise (self->fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  while (offset < self->file_size)
    {
      gsize len = (gsize) MIN ((guint64) SCAN_BUFFER_SIZE, self->file_size - offset);
      gsize padded = (len + RAW_BLOCK_SIZE - 1) / RAW_BLOCK_SIZE * RAW_BLOCK_SIZE;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!read_at (self, buf, len, offset, error))
        return FALSE;
      memset (buf + len, 0, padded - len);

      for (gsize at = 0; at < padded; at += RAW_BLOCK_SIZE)
        {
          const guint8 *p = buf + at;
          guint32 block = (guint32) ((offset + at) / RAW_BLOCK_SIZE);

          if (block_is_uniform (p))
            extents_append (extents, block, 1, TRUE, get_le32 (p));
          else
            extents_append (extents, block, 1, FALSE, offset + at);
        }
      offset += len;
    }

  self->extents = g_steal_pointer (&extents);
  self->model_block_size = RAW_BLOCK_SIZE;
  self->model_total_blocks = (guint32) n_blocks;
  return TRUE;
}

/*
 * libsparse sparse_file_resparse(): repeatedly move_chunks_up_to_len(). Each
 * piece gets extents while they fit in len = limit - overhead, counting a
 * DONT_CARE header for a gap before an extent. The first extent that does not
 * fit is split at the room left (rounded down to a block) if the piece is
 * still empty or more than 1/8 of len is free; otherwise the piece ends.
 *
 * fastboot resparses twice (once to count the pieces), the second time over
 * the blocks the first pass split. With len >= 8 blocks both passes agree;
 * below that, the second pass can cut a zero-block chunk (and an even smaller
 * limit loops forever), so split() refuses such limits.
 */
static void
plan_resparse (UbSparseImage *self,
               guint32        limit)
{
  const UbSparseExtent *extents = (const UbSparseExtent *) (gpointer) self->extents->data;
  guint n = self->extents->len;
  guint32 bs = self->model_block_size;
  guint32 len = limit - PIECE_OVERHEAD;
  UbSparsePos pos = { 0, 0 };
  gboolean finished;

  do
    {
      Piece piece = { .copy = FALSE, .start = pos };
      gint64 file_len = 0;
      guint64 last_block = 0;
      gboolean have_last = FALSE;
      guint k;

      finished = TRUE;
      for (k = pos.index; k < n; k++)
        {
          guint32 off = k == pos.index ? pos.offset : 0;
          guint64 first = (guint64) extents[k].block + off;
          guint64 blocks = extents[k].n_blocks - off;
          gint64 count = 0;

          if (first > last_block)
            count += UB_SPARSE_CHUNK_HEADER_SIZE;
          count += extents[k].is_fill ? UB_SPARSE_CHUNK_HEADER_SIZE + 4
                                      : UB_SPARSE_CHUNK_HEADER_SIZE + (gint64) (blocks * bs);
          last_block = first + blocks;

          if (file_len + count > len)
            {
              file_len += UB_SPARSE_CHUNK_HEADER_SIZE;
              if (!have_last || (gint64) len - file_len > (gint64) (len / 8))
                {
                  guint32 room = (guint32) ((gint64) len - file_len);
                  guint64 max_blocks = room / bs;

                  /* room > len / 8 >= one block, or room = len - 12. */
                  g_assert (max_blocks > 0);
                  if (blocks * bs > (guint64) max_blocks * bs)
                    pos = (UbSparsePos) { k, off + (guint32) max_blocks };
                  else
                    pos = (UbSparsePos) { k + 1, 0 };
                }
              else
                {
                  pos = (UbSparsePos) { k, off };
                }
              finished = FALSE;
              break;
            }
          file_len += count;
          have_last = TRUE;
        }
      if (finished)
        pos = (UbSparsePos) { n, 0 };

      piece.end = pos;
      piece.size = ub_sparse_piece_measure (extents, bs, self->model_total_blocks, piece.start,
                                            piece.end, NULL);
      g_array_append_val (self->pieces, piece);
    }
  while (!finished);
}

gboolean
ub_sparse_image_split (UbSparseImage *self,
                       guint64        limit,
                       GCancellable  *cancellable,
                       GError       **error)
{
  guint64 piece_limit, min_limit, unsplit_max;

  g_return_val_if_fail (UB_IS_SPARSE_IMAGE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* the same limit gives the same pieces: keep them */
  if (self->pieces->len > 0 && self->split_limit == limit)
    return TRUE;
  g_array_set_size (self->pieces, 0);
  self->split_limit = limit;

  /* download:%08x cannot announce 4 GiB or more: past that, always split */
  unsplit_max = limit == 0 ? G_MAXUINT32 : MIN (limit, (guint64) G_MAXUINT32);
  if (self->file_size <= unsplit_max)
    {
      Piece piece = { .copy = TRUE, .size = self->file_size };

      /* Sent as it is, like AOSP, except that CRC32 chunks are left out
       * (some bootloaders reject the 16-byte CRC32 chunks libsparse writes)
       * and headers are rewritten to 28/12 bytes (ABL rejects others). */
      if (self->is_sparse && (self->has_crc || self->odd_headers))
        {
          piece.copy = FALSE;
          piece.start = (UbSparsePos) { 0, 0 };
          piece.end = (UbSparsePos) { self->extents->len, 0 };
          piece.size = ub_sparse_piece_measure ((const UbSparseExtent *) (gpointer)
                                                self->extents->data,
                                                self->model_block_size,
                                                self->model_total_blocks, piece.start,
                                                piece.end, NULL);
        }
      g_array_append_val (self->pieces, piece);
      return TRUE;
    }

  /* AOSP would resparse the unchanged file here; never send that instead */
  if (self->content != NULL)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT,
                   _("The device accepts downloads of at most %" PRIu64
                     " bytes, too little to send this vbmeta image in one piece"), limit);
      return FALSE;
    }

  if (!self->is_sparse && !scan_raw (self, cancellable, error))
    return FALSE;

  /* See plan_resparse(); real devices accept megabytes at least. */
  piece_limit = limit == 0 ? UB_SPARSE_RESPARSE_LIMIT : MIN (limit, UB_SPARSE_RESPARSE_LIMIT);
  min_limit = 8 * (guint64) self->model_block_size + PIECE_OVERHEAD;
  if (piece_limit < min_limit)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT,
                   _("The device accepts downloads of at most %" PRIu64
                     " bytes, too little to split this image (at least %" PRIu64
                     " bytes are needed)"),
                   limit, min_limit);
      return FALSE;
    }

  plan_resparse (self, (guint32) piece_limit);
  return TRUE;
}

guint
ub_sparse_image_get_n_pieces (UbSparseImage *self)
{
  g_return_val_if_fail (UB_IS_SPARSE_IMAGE (self), 0);
  return self->pieces->len;
}

guint64
ub_sparse_image_get_piece_size (UbSparseImage *self,
                                guint          index)
{
  g_return_val_if_fail (UB_IS_SPARSE_IMAGE (self), 0);
  g_return_val_if_fail (index < self->pieces->len, 0);
  return g_array_index (self->pieces, Piece, index).size;
}

GInputStream *
ub_sparse_image_open_piece (UbSparseImage *self,
                            guint          index,
                            GError       **error)
{
  const Piece *piece;
  struct stat st;
  int fd;

  g_return_val_if_fail (UB_IS_SPARSE_IMAGE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (index >= self->pieces->len)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT,
                   _("Piece %u does not exist (the image has %u pieces)"), index,
                   self->pieces->len);
      return NULL;
    }
  piece = &g_array_index (self->pieces, Piece, index);

  if (fstat (self->fd, &st) != 0 || (guint64) st.st_size != self->file_size ||
      (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000 != self->mtime_usec)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE,
                   _("'%s' changed since it was opened"), self->path);
      return NULL;
    }

  fd = fcntl (self->fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO, _("Cannot read '%s': %s"),
                   self->path, g_strerror (saved));
      return NULL;
    }

  if (self->content != NULL)
    {
      close (fd);
      return g_memory_input_stream_new_from_bytes (self->content);
    }
  if (piece->copy)
    return ub_sparse_piece_stream_new_copy (fd, self->file_size);
  return ub_sparse_piece_stream_new_sparse (fd, self->file_size, self->extents,
                                            self->model_block_size, self->model_total_blocks,
                                            piece->start, piece->end);
}

gboolean
ub_sparse_image_set_vbmeta_flags (UbSparseImage  *self,
                                  guint           flags,
                                  GError        **error)
{
  g_autofree guint8 *data = NULL;
  g_autofree char *md5 = NULL;

  g_return_val_if_fail (UB_IS_SPARSE_IMAGE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->content != NULL && flags == self->vbmeta_flags)
    return TRUE;
  if (self->is_sparse)
    {
      /* AOSP: "Failed to find AVB_MAGIC at offset: 0" (the sparse magic is there) */
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE,
                   /* TRANSLATORS: keep vbmeta */
                   _("The file is not a vbmeta image: it is a sparse image."));
      return FALSE;
    }
  if (self->file_size > UB_VBMETA_MAX_SIZE)
    {
      g_autofree char *size = g_format_size (self->file_size);
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE,
                   /* TRANSLATORS: %s: a size ("80.0 MB"); keep vbmeta */
                   _("The file is not a vbmeta image: it is too large (%s)."), size);
      return FALSE;
    }
  data = g_malloc (MAX (self->file_size, 1));
  if (!read_at (self, data, self->file_size, 0, error))
    return FALSE;
  /* of the bytes read, so that a caller can match them with a checked digest */
  md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, data, self->file_size);
  if (!ub_vbmeta_set_flags (data, self->file_size, flags, error))
    return FALSE;
  g_free (self->content_md5);
  self->content_md5 = g_steal_pointer (&md5);
  g_clear_pointer (&self->content, g_bytes_unref);
  self->content = g_bytes_new_take (g_steal_pointer (&data), self->file_size);
  self->vbmeta_flags = flags;
  g_array_set_size (self->pieces, 0);
  return TRUE;
}

guint
ub_sparse_image_get_vbmeta_flags (UbSparseImage *self)
{
  g_return_val_if_fail (UB_IS_SPARSE_IMAGE (self), 0);
  return self->content != NULL ? self->vbmeta_flags : 0;
}

const char *
ub_sparse_image_get_vbmeta_source_md5 (UbSparseImage *self)
{
  g_return_val_if_fail (UB_IS_SPARSE_IMAGE (self), NULL);
  return self->content != NULL ? self->content_md5 : NULL;
}
