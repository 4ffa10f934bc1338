/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "ub-pattern-stream.h"

struct _UbPatternStream
{
  GInputStream parent_instance;

  guint64 size;
  guint64 seed;
  guint64 pos;
};

G_DEFINE_FINAL_TYPE (UbPatternStream, ub_pattern_stream, G_TYPE_INPUT_STREAM)

static inline guint64
splitmix64 (guint64 x)
{
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

void
ub_pattern_fill (guint64 seed,
                 guint64 offset,
                 guint8 *buf,
                 gsize   len)
{
  while (len > 0)
    {
      guint64 word = splitmix64 (seed ^ (offset / 8));
      guint skip = offset % 8;
      gsize n = MIN (len, (gsize) (8 - skip));
      guint8 bytes[8];

      for (guint i = 0; i < 8; i++)
        bytes[i] = (guint8) (word >> (8 * i));
      memcpy (buf, bytes + skip, n);
      buf += n;
      offset += n;
      len -= n;
    }
}

char *
ub_pattern_sha256 (guint64 size,
                   guint64 seed)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (1024 * 1024);

  for (guint64 off = 0; off < size; off += 1024 * 1024)
    {
      gsize n = (gsize) MIN (size - off, 1024 * 1024);

      ub_pattern_fill (seed, off, buf, n);
      g_checksum_update (checksum, buf, n);
    }
  return g_strdup (g_checksum_get_string (checksum));
}

static gssize
ub_pattern_stream_read (GInputStream  *stream,
                        void          *buffer,
                        gsize          count,
                        GCancellable  *cancellable,
                        GError       **error)
{
  UbPatternStream *self = UB_PATTERN_STREAM (stream);
  gsize n = (gsize) MIN ((guint64) count, self->size - self->pos);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  ub_pattern_fill (self->seed, self->pos, buffer, n);
  self->pos += n;
  return n;
}

static gboolean
ub_pattern_stream_close (GInputStream  *stream,
                         GCancellable  *cancellable,
                         GError       **error)
{
  return TRUE;
}

static void
ub_pattern_stream_class_init (UbPatternStreamClass *klass)
{
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  stream_class->read_fn = ub_pattern_stream_read;
  stream_class->close_fn = ub_pattern_stream_close;
}

static void
ub_pattern_stream_init (UbPatternStream *self)
{
}

GInputStream *
ub_pattern_stream_new (guint64 size,
                       guint64 seed)
{
  UbPatternStream *self = g_object_new (UB_TYPE_PATTERN_STREAM, NULL);

  self->size = size;
  self->seed = seed;
  return G_INPUT_STREAM (self);
}
