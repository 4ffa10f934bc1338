/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE  /* fallocate, FALLOC_FL_PUNCH_HOLE */
#include "config.h"

#include "ub-emu-session.h"
#include "ub-emu-phone-private.h"
#include "ub-emu-sha256.h"
#include "ub-emu-sparse.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* ABL limits (QcomModulePkg FastbootLib). */
#define MAX_COMMAND_SIZE   64   /* commands are truncated here */
#define MAX_RESPONSE_SIZE  64   /* responses are built in 64-byte buffers */
#define MAX_GPT_NAME_SIZE  36

#define COPY_BUFFER_SIZE   (1024 * 1024)

/* EFI_STATUS texts as EDK2's %r prints them; NULL = success. */
#define EFI_INVALID_PARAMETER "Invalid Parameter"
#define EFI_BAD_BUFFER_SIZE   "Bad Buffer Size"
#define EFI_DEVICE_ERROR      "Device Error"
#define EFI_VOLUME_CORRUPTED  "Volume Corrupt"
#define EFI_VOLUME_FULL       "Volume Full"

struct _UbEmuSession
{
  GObject          parent_instance;

  UbEmuPhone      *phone;
  UbEmuOutputFunc  output;
  gpointer         user_data;

  /* CONTINUE while alive; once disconnected or stalled, sticky. */
  UbEmuAction      dead;

  /* Data phase. */
  guint64          data_expected;
  guint64          data_received;
  UbEmuSha256     *checksum;
  /* "rate:" limit: when the data taken in so far may be complete (monotonic µs) */
  gint64           throttle_until;

  /* A hostile phone's way of answering the command being handled (-1: none). */
  int              reply;

  /* Download buffer: an unlinked temp file in the state dir. */
  int              buf_fd;
  guint64          buf_size;
  gboolean         have_data;
  char            *buf_sha256;
};

G_DEFINE_FINAL_TYPE (UbEmuSession, ub_emu_session, G_TYPE_OBJECT)

static void
ub_emu_session_finalize (GObject *object)
{
  UbEmuSession *self = UB_EMU_SESSION (object);

  if (self->buf_fd >= 0)
    close (self->buf_fd);
  g_clear_pointer (&self->checksum, ub_emu_sha256_free);
  g_free (self->buf_sha256);
  g_clear_object (&self->phone);

  G_OBJECT_CLASS (ub_emu_session_parent_class)->finalize (object);
}

static void
ub_emu_session_class_init (UbEmuSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_emu_session_finalize;
}

static void
ub_emu_session_init (UbEmuSession *self)
{
  self->buf_fd = -1;
  self->dead = UB_EMU_ACTION_CONTINUE;
  self->reply = -1;
}

/* Keep the data phase at @rate bytes/s: sleep until @n more bytes are due. */
static void
throttle (UbEmuSession *self,
          gsize         n,
          guint64       rate)
{
  gint64 now = g_get_monotonic_time ();

  if (self->throttle_until < now)
    self->throttle_until = now;   /* idle time earns no credit */
  /* rounded up, so a download never ends before size/rate */
  self->throttle_until += (gint64) (((guint64) n * G_USEC_PER_SEC + rate - 1) / rate);
  if (self->throttle_until > now)
    g_usleep ((gulong) (self->throttle_until - now));
}

UbEmuSession *
ub_emu_session_new (UbEmuPhone      *phone,
                    UbEmuOutputFunc  output,
                    gpointer         user_data)
{
  UbEmuSession *self;

  g_return_val_if_fail (UB_IS_EMU_PHONE (phone), NULL);
  g_return_val_if_fail (output != NULL, NULL);

  self = g_object_new (UB_TYPE_EMU_SESSION, NULL);
  self->phone = g_object_ref (phone);
  self->output = output;
  self->user_data = user_data;
  return self;
}

guint64
ub_emu_session_get_data_remaining (UbEmuSession *self)
{
  g_return_val_if_fail (UB_IS_EMU_SESSION (self), 0);
  return self->data_expected - self->data_received;
}

gsize
ub_emu_session_get_feed_size (UbEmuSession *self,
                              gsize         max)
{
  guint64 rate;

  g_return_val_if_fail (UB_IS_EMU_SESSION (self), max);

  g_mutex_lock (&self->phone->lock);
  rate = self->phone->rate;
  g_mutex_unlock (&self->phone->lock);
  /* about 50 ms of data per feed, so the host never waits long between reads
   * (and a stop never waits long for a sleeping session) */
  if (rate == 0)
    return max;
  return (gsize) CLAMP (rate / 20, 1, (guint64) MAX (max, (gsize) 1));
}

/* ---- responses ---------------------------------------------------------- */

static void
respond (UbEmuSession *self,
         const char   *status,
         const char   *message)
{
  char buf[MAX_RESPONSE_SIZE + 1];
  gsize len;

  g_snprintf (buf, sizeof buf, "%s%s", status, message ? message : "");
  len = strlen (buf);
  switch (self->reply)
    {
    case UB_EMU_REPLY_LONG:
    case UB_EMU_REPLY_BABBLE:
      {
        /* LONG: the largest packet a host reads, 256 bytes;
         * BABBLE: more than any read asks for, a USB overflow */
        gsize size = self->reply == UB_EMU_REPLY_LONG ? 256 : 2048;
        char big[2048];

        memset (big, 'x', size);
        memcpy (big, buf, len);
        self->output ((const guint8 *) big, size, self->user_data);
        return;
      }
    case UB_EMU_REPLY_SPLIT:
      if (len > 2)
        {
          self->output ((const guint8 *) buf, 2, self->user_data);
          self->output ((const guint8 *) buf + 2, len - 2, self->user_data);
          return;
        }
      break;
    case UB_EMU_REPLY_EMPTY:
      self->output ((const guint8 *) buf, 0, self->user_data);
      break;
    default:
      break;
    }
  self->output ((const guint8 *) buf, len, self->user_data);
}

/* INFO or TEXT lines without end: until the faults are cleared, or a minute. */
static void
flood (UbEmuSession *self,
       const char   *status)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  guint epoch;

  g_mutex_lock (&self->phone->lock);
  epoch = self->phone->fault_epoch;
  g_mutex_unlock (&self->phone->lock);
  for (guint64 i = 0; g_get_monotonic_time () < end; i++)
    {
      char line[MAX_RESPONSE_SIZE + 1];
      gboolean cleared;

      g_snprintf (line, sizeof line, "%sworking %" G_GUINT64_FORMAT, status, i);
      self->output ((const guint8 *) line, strlen (line), self->user_data);
      g_mutex_lock (&self->phone->lock);
      cleared = self->phone->fault_epoch != epoch;
      g_mutex_unlock (&self->phone->lock);
      if (cleared)
        break;
      g_usleep (1000);
    }
}

static void respond_okay (UbEmuSession *self, const char *msg) { respond (self, "OKAY", msg); }
static void respond_fail (UbEmuSession *self, const char *msg) { respond (self, "FAIL", msg); }
static void respond_info (UbEmuSession *self, const char *msg) { respond (self, "INFO", msg); }

static void G_GNUC_PRINTF (2, 3)
respond_failf (UbEmuSession *self,
               const char   *format,
               ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  respond_fail (self, msg);
}

static void G_GNUC_PRINTF (2, 3)
respond_infof (UbEmuSession *self,
               const char   *format,
               ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  respond_info (self, msg);
}

/* ---- file helpers ------------------------------------------------------- */

static gboolean
pwrite_all (int           fd,
            const guint8 *buf,
            gsize         len,
            guint64       offset)
{
  while (len > 0)
    {
      ssize_t n = pwrite (fd, buf, len, (off_t) offset);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      buf += n;
      len -= (gsize) n;
      offset += (guint64) n;
    }
  return TRUE;
}

static gboolean
pread_all (int      fd,
           guint8  *buf,
           gsize    len,
           guint64  offset)
{
  while (len > 0)
    {
      ssize_t n = pread (fd, buf, len, (off_t) offset);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      if (n == 0)
        return FALSE;
      buf += n;
      len -= (gsize) n;
      offset += (guint64) n;
    }
  return TRUE;
}

static gboolean fill_range (int fd, guint64 offset, guint64 len, guint32 pattern);

static gboolean
is_zero (const guint8 *p,
         gsize         len)
{
  return len == 0 || (p[0] == 0 && memcmp (p, p + 1, len - 1) == 0);
}

/* Write @buf at @offset; runs of all-zero 4 KiB blocks become holes so
 * partition files stay sparse. */
static gboolean
write_keeping_holes (int           fd,
                     const guint8 *buf,
                     gsize         len,
                     guint64       offset)
{
  gsize start = 0;

  while (start < len)
    {
      gsize end = start;
      gboolean zero = is_zero (buf + start, MIN ((gsize) 4096, len - start));

      /* Extend the run while blocks keep the same kind. */
      while (end < len)
        {
          gsize n = MIN ((gsize) 4096, len - end);
          if (is_zero (buf + end, n) != zero)
            break;
          end += n;
        }
      if (zero ? !fill_range (fd, offset + start, end - start, 0)
               : !pwrite_all (fd, buf + start, end - start, offset + start))
        return FALSE;
      start = end;
    }
  return TRUE;
}

/* Copy @len bytes of the download buffer at @src_off to @dst_fd at @dst_off. */
static gboolean
copy_range (int      src_fd,
            guint64  src_off,
            int      dst_fd,
            guint64  dst_off,
            guint64  len)
{
  g_autofree guint8 *buf = g_malloc (COPY_BUFFER_SIZE);

  while (len > 0)
    {
      gsize n = (gsize) MIN (len, (guint64) COPY_BUFFER_SIZE);

      if (!pread_all (src_fd, buf, n, src_off) ||
          !write_keeping_holes (dst_fd, buf, n, dst_off))
        return FALSE;
      src_off += n;
      dst_off += n;
      len -= n;
    }
  return TRUE;
}

/* Write @len bytes of a repeated 32-bit @pattern at @offset. Zero fills
 * punch holes so partition files stay sparse. */
static gboolean
fill_range (int      fd,
            guint64  offset,
            guint64  len,
            guint32  pattern)
{
  g_autofree guint32 *buf = NULL;

  if (len == 0)
    return TRUE;

#ifdef FALLOC_FL_PUNCH_HOLE
  if (pattern == 0 &&
      fallocate (fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                 (off_t) offset, (off_t) len) == 0)
    return TRUE;
#endif

  buf = g_malloc (COPY_BUFFER_SIZE);
  for (gsize i = 0; i < COPY_BUFFER_SIZE / 4; i++)
    buf[i] = pattern;
  while (len > 0)
    {
      gsize n = (gsize) MIN (len, (guint64) COPY_BUFFER_SIZE);

      if (!pwrite_all (fd, (const guint8 *) buf, n, offset))
        return FALSE;
      offset += n;
      len -= n;
    }
  return TRUE;
}

static guint16 get_le16 (const guint8 *p) { return (guint16) (p[0] | (p[1] << 8)); }
static guint32 get_le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

/* ---- flashing ----------------------------------------------------------- */

static gboolean
buffer_is_sparse (UbEmuSession *self)
{
  guint8 magic[4];

  return self->buf_size >= 4 &&
         pread_all (self->buf_fd, magic, 4, 0) &&
         get_le32 (magic) == UB_EMU_SPARSE_MAGIC;
}

static guint32
logical_block_size_locked (UbEmuSession *self)
{
  const char *v = ub_emu_phone_get_var_locked (self->phone, "logical-block-size");
  guint64 bs = 0;

  if (v)
    bs = g_ascii_strtoull (v, NULL, 0);
  return bs > 0 && bs <= 65536 ? (guint32) bs : 4096;
}

/* Walk a sparse image like ABL's HandleSparseImgFlash: same checks in the
 * same order, writing as it goes. Returns an EFI status text or NULL. */
static const char *
write_sparse (UbEmuSession   *self,
              UbEmuPartition *part)
{
  guint8 hdr[UB_EMU_SPARSE_HEADER_SIZE];
  guint32 blk_sz, total_blks, total_chunks;
  guint16 file_hdr_sz, chunk_hdr_sz;
  guint64 pos, end = self->buf_size, written_blocks = 0;
  int fd;
  const char *status = NULL;

  if (end < UB_EMU_SPARSE_HEADER_SIZE || !pread_all (self->buf_fd, hdr, sizeof hdr, 0))
    return EFI_INVALID_PARAMETER;

  file_hdr_sz = get_le16 (hdr + 8);
  chunk_hdr_sz = get_le16 (hdr + 10);
  blk_sz = get_le32 (hdr + 12);
  total_blks = get_le32 (hdr + 16);
  total_chunks = get_le32 (hdr + 20);

  if ((guint64) total_blks * blk_sz > part->size)
    return EFI_VOLUME_FULL;
  if (file_hdr_sz != UB_EMU_SPARSE_HEADER_SIZE)
    return EFI_BAD_BUFFER_SIZE;
  if (blk_sz == 0 || blk_sz % logical_block_size_locked (self) != 0)
    return EFI_INVALID_PARAMETER;

  fd = g_open (part->path, O_RDWR | O_CLOEXEC, 0);
  if (fd < 0)
    return EFI_DEVICE_ERROR;

  pos = UB_EMU_SPARSE_HEADER_SIZE;
  for (guint32 chunk = 0; chunk < total_chunks; chunk++)
    {
      guint8 ch[UB_EMU_SPARSE_CHUNK_HEADER_SIZE];
      guint16 type;
      guint32 chunk_sz, total_sz;
      guint64 data_sz, offset;

      if (written_blocks * blk_sz >= part->size)
        {
          status = EFI_VOLUME_FULL;
          break;
        }
      if (pos + UB_EMU_SPARSE_CHUNK_HEADER_SIZE > end || !pread_all (self->buf_fd, ch, sizeof ch, pos))
        {
          status = EFI_BAD_BUFFER_SIZE;
          break;
        }
      pos += UB_EMU_SPARSE_CHUNK_HEADER_SIZE;
      if (chunk_hdr_sz != UB_EMU_SPARSE_CHUNK_HEADER_SIZE)
        {
          status = EFI_INVALID_PARAMETER;
          break;
        }

      type = get_le16 (ch);
      chunk_sz = get_le32 (ch + 4);
      total_sz = get_le32 (ch + 8);
      data_sz = (guint64) blk_sz * chunk_sz;
      offset = written_blocks * blk_sz;

      if (offset + data_sz > part->size)
        {
          status = EFI_VOLUME_FULL;
          break;
        }

      switch (type)
        {
        case UB_EMU_SPARSE_CHUNK_RAW:
          if ((guint64) total_sz != UB_EMU_SPARSE_CHUNK_HEADER_SIZE + data_sz || pos + data_sz > end)
            status = EFI_INVALID_PARAMETER;
          else if (!copy_range (self->buf_fd, pos, fd, offset, data_sz))
            status = EFI_DEVICE_ERROR;
          pos += data_sz;
          break;

        case UB_EMU_SPARSE_CHUNK_FILL:
          {
            guint8 pat[4];

            if (total_sz != UB_EMU_SPARSE_CHUNK_HEADER_SIZE + 4 || pos + 4 > end ||
                !pread_all (self->buf_fd, pat, 4, pos))
              status = EFI_INVALID_PARAMETER;
            else if (!fill_range (fd, offset, data_sz, get_le32 (pat)))
              status = EFI_DEVICE_ERROR;
            pos += 4;
          }
          break;

        case UB_EMU_SPARSE_CHUNK_DONT_CARE:
          /* Skip without touching: earlier pieces' data survives. */
          break;

        case UB_EMU_SPARSE_CHUNK_CRC32:
          /* ABL accepts only payload-less CRC chunks; libsparse writes
           * 16-byte ones, which ABL rejects. */
          if (total_sz != UB_EMU_SPARSE_CHUNK_HEADER_SIZE)
            status = EFI_INVALID_PARAMETER;
          pos += data_sz;
          if (pos > end)
            status = EFI_INVALID_PARAMETER;
          break;

        default:
          status = EFI_INVALID_PARAMETER;
          break;
        }
      if (status)
        break;
      written_blocks += chunk_sz;
    }

  if (status == NULL && written_blocks != total_blks)
    status = EFI_VOLUME_CORRUPTED;

  close (fd);
  return status;
}

static const char *
write_raw (UbEmuSession   *self,
           UbEmuPartition *part)
{
  const char *status = NULL;
  int fd;

  if (self->buf_size > part->size)
    return EFI_VOLUME_FULL;

  fd = g_open (part->path, O_RDWR | O_CLOEXEC, 0);
  if (fd < 0)
    return EFI_DEVICE_ERROR;
  if (!copy_range (self->buf_fd, 0, fd, 0, self->buf_size))
    status = EFI_DEVICE_ERROR;
  close (fd);
  return status;
}

static void
record_flash_locked (UbEmuSession *self,
                     const char   *name)
{
  ub_emu_phone_log_locked (self->phone, "flash %s %s", name, self->buf_sha256);
  self->phone->n_writes++;
}

/* Consume a deferred-fail fault aimed at @name (requested or resolved). */
static gboolean
take_deferred_fault_locked (UbEmuSession *self,
                            const char   *requested,
                            const char   *resolved)
{
  GPtrArray *faults = self->phone->faults;

  for (guint i = 0; i < faults->len; i++)
    {
      UbEmuFault *f = g_ptr_array_index (faults, i);

      if (f->kind != UB_EMU_FAULT_DEFERRED_FAIL || f->spent)
        continue;
      if (g_strcmp0 (f->arg, requested) != 0 && g_strcmp0 (f->arg, resolved) != 0)
        continue;
      if (++f->seen == f->nth)
        {
          f->spent = TRUE;
          return TRUE;
        }
    }
  return FALSE;
}

/* ABL: a bare name of a slotted partition gets the current slot suffix. */
static UbEmuPartition *
resolve_partition_locked (UbEmuSession  *self,
                          const char    *name,
                          char         **resolved_name)
{
  UbEmuPhone *phone = self->phone;
  UbEmuPartition *p = ub_emu_phone_find_partition_locked (phone, name);

  if (p == NULL && phone->slots->len > 0)
    {
      const char *cur = ub_emu_phone_get_var_locked (phone, "current-slot");
      g_autofree char *suffixed = g_strdup_printf ("%s_%s", name, cur ? cur : "a");

      p = ub_emu_phone_find_partition_locked (phone, suffixed);
      *resolved_name = g_steal_pointer (&suffixed);
      return p;
    }
  *resolved_name = g_strdup (name);
  return p;
}

/* "X_ab" on a phone that has X_a and X_b (Xiaomi's ABL alias). */
static gboolean
split_ab_locked (UbEmuSession    *self,
                 const char      *name,
                 UbEmuPartition **a,
                 UbEmuPartition **b)
{
  g_autofree char *base = NULL;
  g_autofree char *na = NULL;
  g_autofree char *nb = NULL;

  if (!g_str_has_suffix (name, "_ab"))
    return FALSE;
  base = g_strndup (name, strlen (name) - 3);
  na = g_strconcat (base, "_a", NULL);
  nb = g_strconcat (base, "_b", NULL);
  *a = ub_emu_phone_find_partition_locked (self->phone, na);
  *b = ub_emu_phone_find_partition_locked (self->phone, nb);
  return *a != NULL && *b != NULL;
}

static gboolean
is_xiaomi_virtual (const char *name)
{
  return g_str_equal (name, "crclist") || g_str_equal (name, "sparsecrclist");
}

static void
cmd_flash (UbEmuSession *self,
           const char   *arg)
{
  UbEmuPhone *phone = self->phone;
  UbEmuPartition *a = NULL, *b = NULL, *part;
  g_autofree char *resolved = NULL;
  gboolean sparse;
  const char *status;

  if (!self->have_data)
    {
      respond_fail (self, "No data to flash");
      return;
    }
  if (strlen (arg) >= MAX_GPT_NAME_SIZE)
    {
      respond_fail (self, "Invalid partition name");
      return;
    }
  if (!ub_emu_phone_is_unlocked_locked (phone))
    {
      respond_fail (self, "Flashing is not allowed in Lock State");
      return;
    }

  sparse = buffer_is_sparse (self);

  /* Xiaomi's `_ab`: write both slots, one INFO line per slot. */
  if (split_ab_locked (self, arg, &a, &b))
    {
      UbEmuPartition *targets[2] = { a, b };

      if (take_deferred_fault_locked (self, arg, arg))
        {
          g_free (phone->pending_flash_error);
          phone->pending_flash_error = g_strdup (EFI_DEVICE_ERROR);
          respond_okay (self, "");
          return;
        }
      for (guint i = 0; i < 2; i++)
        {
          status = sparse ? write_sparse (self, targets[i]) : write_raw (self, targets[i]);
          if (status)
            {
              respond_failf (self, "Error flashing partition : %s", status);
              return;
            }
          record_flash_locked (self, targets[i]->name);
          respond_infof (self, "Partition %s flashed successfully", targets[i]->name);
        }
      respond_okay (self, "");
      return;
    }

  part = resolve_partition_locked (self, arg, &resolved);

  if (take_deferred_fault_locked (self, arg, resolved))
    {
      /* The background write "fails"; the host learns it on the next
       * flash/download command. */
      g_free (phone->pending_flash_error);
      phone->pending_flash_error = g_strdup (EFI_DEVICE_ERROR);
      respond_okay (self, "");
      return;
    }

  if (part == NULL && is_xiaomi_virtual (arg))
    {
      g_autofree char *file = g_strconcat (arg, ".txt", NULL);
      g_autofree char *path = g_build_filename (phone->state_dir, file, NULL);
      int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      gboolean ok = fd >= 0 && copy_range (self->buf_fd, 0, fd, 0, self->buf_size);

      if (fd >= 0)
        close (fd);
      if (!ok)
        {
          respond_failf (self, "Error flashing partition : %s", EFI_DEVICE_ERROR);
          return;
        }
      record_flash_locked (self, arg);
      respond_okay (self, "");
      return;
    }

  if (part == NULL)
    {
      if (sparse)
        respond_fail (self, "Partition not found");
      else
        respond_failf (self, "(%s) No such partition", resolved);
      return;
    }

  if (sparse &&
      g_strcmp0 (ub_emu_phone_get_var_locked (phone, "parallel-download-flash"), "yes") == 0 &&
      part->size > ub_emu_phone_get_max_download_locked (phone))
    {
      /* ABL's parallel download/flash: OKAY at once, write "in the
       * background", report a failure on the next flash/download. */
      respond_okay (self, "");
      status = write_sparse (self, part);
      if (status)
        {
          g_free (phone->pending_flash_error);
          phone->pending_flash_error = g_strdup (status);
        }
      else
        record_flash_locked (self, part->name);
      return;
    }

  status = sparse ? write_sparse (self, part) : write_raw (self, part);
  if (status)
    {
      respond_failf (self, "Error flashing partition : %s", status);
      return;
    }
  record_flash_locked (self, part->name);
  respond_okay (self, "");
}

/* ---- other commands ----------------------------------------------------- */

static gboolean
erase_partition (UbEmuPartition *part)
{
  int fd = g_open (part->path, O_RDWR | O_CLOEXEC, 0);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = ftruncate (fd, 0) == 0 && ftruncate (fd, (off_t) part->size) == 0;
  close (fd);
  return ok;
}

static void
cmd_erase (UbEmuSession *self,
           const char   *arg)
{
  UbEmuPhone *phone = self->phone;
  UbEmuPartition *a = NULL, *b = NULL, *part;
  g_autofree char *resolved = NULL;

  if (strlen (arg) >= MAX_GPT_NAME_SIZE)
    {
      respond_fail (self, "Invalid partition name");
      return;
    }
  if (!ub_emu_phone_is_unlocked_locked (phone))
    {
      respond_fail (self, "Erase is not allowed in Lock State");
      return;
    }

  if (split_ab_locked (self, arg, &a, &b))
    {
      UbEmuPartition *targets[2] = { a, b };

      for (guint i = 0; i < 2; i++)
        {
          if (!erase_partition (targets[i]))
            {
              respond_fail (self, "Check device console.");
              return;
            }
          ub_emu_phone_log_locked (phone, "erase %s", targets[i]->name);
          respond_infof (self, "Partition %s erase successfully", targets[i]->name);
        }
      respond_okay (self, "");
      return;
    }

  part = resolve_partition_locked (self, arg, &resolved);
  if (part == NULL || !erase_partition (part))
    {
      respond_fail (self, "Check device console.");
      return;
    }
  ub_emu_phone_log_locked (phone, "erase %s", part->name);
  respond_okay (self, "");
}

static void
cmd_getvar (UbEmuSession *self,
            const char   *arg)
{
  g_autoptr(GPtrArray) vars = ub_emu_phone_list_vars_locked (self->phone);

  if (g_str_equal (arg, "all"))
    {
      for (guint i = 0; i + 1 < vars->len; i += 2)
        respond_infof (self, "%s:%s", (char *) vars->pdata[i], (char *) vars->pdata[i + 1]);
      respond_okay (self, "");
      return;
    }

  for (guint i = 0; i + 1 < vars->len; i += 2)
    if (g_str_equal (vars->pdata[i], arg))
      {
        respond_okay (self, vars->pdata[i + 1]);
        return;
      }
  respond_fail (self, "GetVar Variable Not found");
}

static gboolean
ensure_buffer (UbEmuSession *self)
{
  if (self->buf_fd < 0)
    {
      g_autofree char *tmpl = g_build_filename (self->phone->state_dir,
                                                ".download-XXXXXX", NULL);

      self->buf_fd = g_mkstemp_full (tmpl, O_RDWR | O_CLOEXEC, 0600);
      if (self->buf_fd < 0)
        return FALSE;
      /* Anonymous: vanishes with the session. */
      g_unlink (tmpl);
    }
  return ftruncate (self->buf_fd, 0) == 0;
}

static void
cmd_download (UbEmuSession *self,
              const char   *arg)
{
  UbEmuPhone *phone = self->phone;
  guint64 size = 0;
  gint64 announced;
  char reply[16];

  if (strlen (arg) != 8 ||
      !ub_emu_parse_unsigned (arg, 16, G_MAXUINT32, &size) ||
      size == 0)
    {
      respond_fail (self, "Failed to get the number of bytes to download");
      return;
    }
  if (size > ub_emu_phone_get_max_download_locked (phone))
    {
      respond_fail (self, "Requested download size is more than max allowed\n");
      return;
    }
  if (!ensure_buffer (self))
    {
      respond_fail (self, "Failed to allocate download buffer");
      return;
    }

  announced = (gint64) size;
  for (guint i = 0; i < phone->faults->len; i++)
    {
      UbEmuFault *f = g_ptr_array_index (phone->faults, i);
      if (f->kind == UB_EMU_FAULT_DATA_SIZE)
        announced += f->delta;
    }
  announced = CLAMP (announced, 0, (gint64) G_MAXUINT32);

  self->have_data = FALSE;
  self->buf_size = 0;
  g_clear_pointer (&self->buf_sha256, g_free);
  g_clear_pointer (&self->checksum, ub_emu_sha256_free);
  self->checksum = ub_emu_sha256_new ();
  self->data_expected = (guint64) announced;
  self->data_received = 0;

  g_snprintf (reply, sizeof reply, "%08x", (guint32) announced);
  respond (self, "DATA", reply);
}

static void
finish_download (UbEmuSession *self)
{
  UbEmuPhone *phone = self->phone;

  self->buf_size = self->data_received;
  self->buf_sha256 = ub_emu_sha256_finish (self->checksum);
  self->have_data = TRUE;
  self->data_expected = self->data_received = 0;
  g_clear_pointer (&self->checksum, ub_emu_sha256_free);

  g_mutex_lock (&phone->lock);
  ub_emu_phone_log_locked (phone, "download %" G_GUINT64_FORMAT " %s",
                           self->buf_size, self->buf_sha256);
  phone->n_writes++;
  g_mutex_unlock (&phone->lock);

  respond_okay (self, "");
}

static void
reset_slot_attrs_locked (UbEmuPhone *phone,
                         const char *slot)
{
  g_autofree char *succ = g_strdup_printf ("slot-successful:%s", slot);
  g_autofree char *unb = g_strdup_printf ("slot-unbootable:%s", slot);
  g_autofree char *retry = g_strdup_printf ("slot-retry-count:%s", slot);

  ub_emu_phone_set_var_locked (phone, succ, "no");
  ub_emu_phone_set_var_locked (phone, unb, "no");
  ub_emu_phone_set_var_locked (phone, retry, "7");
}

static void
cmd_set_active (UbEmuSession *self,
                const char   *arg)
{
  UbEmuPhone *phone = self->phone;
  const char *slot;
  const char *letter;
  gsize len;

  if (!ub_emu_phone_is_unlocked_locked (phone))
    {
      respond_fail (self, "Slot Change is not allowed in Lock State\n");
      return;
    }
  if (phone->slots->len == 0)
    {
      respond_fail (self, "This Command not supported");
      return;
    }
  slot = strchr (arg, ':');
  if (slot == NULL)
    {
      respond_fail (self, "set_active _a or _b should be entered");
      return;
    }
  slot++;
  len = strlen (slot);
  if (len >= 3)
    {
      respond_fail (self, "Invalid Slot");
      return;
    }
  letter = slot[0] == '_' ? slot + 1 : slot;
  if (len == 0 || strlen (letter) != 1)
    {
      respond_fail (self, "set_active failed");
      return;
    }
  if (!g_ptr_array_find_with_equal_func (phone->slots, letter, g_str_equal, NULL))
    {
      respond_fail (self, "Invalid Slot Suffix");
      return;
    }

  ub_emu_phone_set_var_locked (phone, "current-slot", letter);
  reset_slot_attrs_locked (phone, letter);
  ub_emu_phone_log_locked (phone, "set_active %s", letter);
  respond_okay (self, "");
}

static gboolean
set_lock_state_locked (UbEmuSession *self,
                       gboolean      unlock)
{
  UbEmuPhone *phone = self->phone;
  gboolean unlocked = ub_emu_phone_is_unlocked_locked (phone);

  if (unlocked == unlock)
    {
      respond_failf (self, "\tDevice already : %s", unlock ? "unlocked!" : "locked!");
      return FALSE;
    }
  if (unlock && !phone->unlock_allowed)
    {
      respond_fail (self, "Flashing Unlock is not allowed\n");
      return FALSE;
    }
  ub_emu_phone_set_var_locked (phone, "unlocked", unlock ? "yes" : "no");
  respond_okay (self, "");
  return TRUE;
}

/* A Xiaomi phone answers OKAY to a lock, then restarts at once to erase itself. */
static UbEmuAction
lock_locked (UbEmuSession *self)
{
  if (!set_lock_state_locked (self, FALSE) || !self->phone->restart_on_lock)
    return UB_EMU_ACTION_CONTINUE;
  ub_emu_phone_log_locked (self->phone, "restart after lock");
  self->dead = UB_EMU_ACTION_DISCONNECT;
  return UB_EMU_ACTION_DISCONNECT;
}

static UbEmuAction
cmd_flashing (UbEmuSession *self,
              const char   *args)
{
  UbEmuPhone *phone = self->phone;

  ub_emu_phone_log_locked (phone, "flashing %s", args);

  if (g_str_equal (args, "unlock"))
    set_lock_state_locked (self, TRUE);
  else if (g_str_equal (args, "lock"))
    return lock_locked (self);
  else if (g_str_equal (args, "unlock_critical") || g_str_equal (args, "lock_critical"))
    respond_okay (self, "");
  else if (g_str_equal (args, "get_unlock_ability"))
    {
      respond_infof (self, "get_unlock_ability: %d", phone->unlock_allowed ? 1 : 0);
      respond_okay (self, "");
    }
  else
    respond_fail (self, "unknown command");
  return UB_EMU_ACTION_CONTINUE;
}

static UbEmuAction
cmd_oem (UbEmuSession *self,
         const char   *args)
{
  UbEmuPhone *phone = self->phone;

  ub_emu_phone_log_locked (phone, "oem %s", args);

  if (g_str_equal (args, "device-info"))
    {
      gboolean unlocked = ub_emu_phone_is_unlocked_locked (phone);

      respond_info (self, "Verity mode: true");
      respond_infof (self, "Device unlocked: %s", unlocked ? "true" : "false");
      respond_info (self, "Device critical unlocked: false");
      respond_infof (self, "Charger screen enabled: %s",
                     g_strcmp0 (ub_emu_phone_get_var_locked (phone, "charger-screen-enabled"), "1") == 0
                     ? "true" : "false");
      respond_okay (self, "");
    }
  else if (g_str_equal (args, "lock"))
    return lock_locked (self);
  else if (g_str_equal (args, "unlock"))
    set_lock_state_locked (self, TRUE);
  else if (g_str_equal (args, "get_token") &&
           ub_emu_phone_get_var_locked (phone, "token") != NULL)
    {
      respond_infof (self, "token:%s", ub_emu_phone_get_var_locked (phone, "token"));
      respond_okay (self, "");
    }
  else
    respond_fail (self, "unknown command");
  return UB_EMU_ACTION_CONTINUE;
}

static UbEmuAction
cmd_reboot (UbEmuSession *self,
            const char   *target)
{
  UbEmuPhone *phone = self->phone;

  /* "new-serial:": the phone that comes back is another one */
  for (guint i = 0; i < phone->faults->len; i++)
    {
      UbEmuFault *f = g_ptr_array_index (phone->faults, i);

      if (f->kind == UB_EMU_FAULT_NEW_SERIAL && !f->spent)
        {
          f->spent = TRUE;
          g_hash_table_replace (phone->vars, g_strdup ("serialno"), g_strdup (f->arg));
          break;
        }
    }
  ub_emu_phone_log_locked (self->phone, "reboot %s", target);
  respond_okay (self, "");
  self->dead = UB_EMU_ACTION_DISCONNECT;
  return UB_EMU_ACTION_DISCONNECT;
}

/* "boot": ABL checks the downloaded image's header, answers OKAY and jumps
 * into it; the phone leaves fastboot mode (here: the link drops). */
static UbEmuAction
cmd_boot (UbEmuSession *self)
{
  char magic[8];

  if (!self->have_data || self->buf_size < sizeof magic ||
      pread (self->buf_fd, magic, sizeof magic, 0) != (gssize) sizeof magic)
    {
      respond_fail (self, "No image downloaded");
      return UB_EMU_ACTION_CONTINUE;
    }
  if (memcmp (magic, "ANDROID!", sizeof magic) != 0)
    {
      respond_fail (self, "Invalid boot image header");
      return UB_EMU_ACTION_CONTINUE;
    }
  ub_emu_phone_log_locked (self->phone, "boot %" G_GUINT64_FORMAT " %s", self->buf_size,
                           self->buf_sha256);
  respond_okay (self, "");
  self->dead = UB_EMU_ACTION_DISCONNECT;
  return UB_EMU_ACTION_DISCONNECT;
}

/* ---- dispatch ----------------------------------------------------------- */

static UbEmuAction
dispatch_locked (UbEmuSession *self,
                 const char   *cmd)
{
  UbEmuPhone *phone = self->phone;

  /* ABL AcceptCmd: a failed background write is reported to the next
   * command starting with "flash" or "download" (prefix match, so also
   * "flashing ..."), then forgotten. */
  if (phone->pending_flash_error &&
      (g_str_has_prefix (cmd, "flash") || g_str_has_prefix (cmd, "download")))
    {
      respond_failf (self, "Error: Last flash failed : %s", phone->pending_flash_error);
      g_clear_pointer (&phone->pending_flash_error, g_free);
      return UB_EMU_ACTION_CONTINUE;
    }

  if (g_str_has_prefix (cmd, "getvar:"))
    cmd_getvar (self, cmd + strlen ("getvar:"));
  else if (g_str_has_prefix (cmd, "download:"))
    cmd_download (self, cmd + strlen ("download:"));
  else if (g_str_has_prefix (cmd, "flash:"))
    cmd_flash (self, cmd + strlen ("flash:"));
  else if (g_str_has_prefix (cmd, "erase:"))
    cmd_erase (self, cmd + strlen ("erase:"));
  else if (g_str_has_prefix (cmd, "set_active"))
    cmd_set_active (self, cmd + strlen ("set_active"));
  else if (g_str_has_prefix (cmd, "flashing "))
    return cmd_flashing (self, cmd + strlen ("flashing "));
  else if (g_str_has_prefix (cmd, "oem "))
    return cmd_oem (self, cmd + strlen ("oem "));
  else if (g_str_equal (cmd, "boot"))
    return cmd_boot (self);
  else if (g_str_equal (cmd, "reboot-bootloader"))
    return cmd_reboot (self, "bootloader");
  else if (g_str_equal (cmd, "reboot-fastboot"))
    return cmd_reboot (self, "fastboot");
  else if (g_str_equal (cmd, "reboot-recovery"))
    return cmd_reboot (self, "recovery");
  else if (g_str_has_prefix (cmd, "reboot") || g_str_equal (cmd, "continue"))
    return cmd_reboot (self, "system");
  else
    respond_fail (self, "unknown command");

  return UB_EMU_ACTION_CONTINUE;
}

static UbEmuAction
handle_command (UbEmuSession *self,
                const guint8 *buf,
                gsize         len)
{
  UbEmuPhone *phone = self->phone;
  g_autofree char *cmd = NULL;
  g_autofree char *fail_message = NULL;
  gboolean stall = FALSE;
  guint delay_ms = 0;
  int reply = -1;
  UbEmuAction action;

  /* ABL truncates commands at 64 bytes. */
  cmd = g_strndup ((const char *) buf, MIN (len, (gsize) MAX_COMMAND_SIZE));

  g_mutex_lock (&phone->lock);
  for (guint i = 0; i < phone->faults->len; i++)
    {
      UbEmuFault *f = g_ptr_array_index (phone->faults, i);

      if (f->kind != UB_EMU_FAULT_FAIL && f->kind != UB_EMU_FAULT_STALL &&
          f->kind != UB_EMU_FAULT_DELAY && f->kind != UB_EMU_FAULT_REPLY)
        continue;
      if (!g_str_has_prefix (cmd, f->arg))
        continue;
      switch (f->kind)
        {
        case UB_EMU_FAULT_FAIL:
        case UB_EMU_FAULT_STALL:
          if (f->spent || ++f->seen != f->nth)
            break;
          f->spent = TRUE;
          if (f->kind == UB_EMU_FAULT_STALL)
            stall = TRUE;
          else if (fail_message == NULL)
            fail_message = g_strdup (f->message);
          break;
        case UB_EMU_FAULT_DELAY:
          delay_ms = MAX (delay_ms, f->ms);
          break;
        case UB_EMU_FAULT_REPLY:
          reply = (int) f->reply;
          break;
        default:
          break;
        }
    }
  g_mutex_unlock (&phone->lock);

  if (stall)
    {
      self->dead = UB_EMU_ACTION_STALL;
      return UB_EMU_ACTION_STALL;
    }
  if (delay_ms > 0)
    g_usleep ((gulong) delay_ms * 1000);
  switch (reply)
    {
    case UB_EMU_REPLY_INFO_FLOOD:
    case UB_EMU_REPLY_TEXT_FLOOD:
      flood (self, reply == UB_EMU_REPLY_INFO_FLOOD ? "INFO" : "TEXT");
      self->dead = UB_EMU_ACTION_STALL;
      return UB_EMU_ACTION_STALL;
    case UB_EMU_REPLY_INFO_STALL:
      respond_info (self, "working");
      self->dead = UB_EMU_ACTION_STALL;
      return UB_EMU_ACTION_STALL;
    default:
      break;
    }
  self->reply = reply;
  if (fail_message)
    {
      respond_fail (self, fail_message);
      self->reply = -1;
      return UB_EMU_ACTION_CONTINUE;
    }

  g_mutex_lock (&phone->lock);
  action = dispatch_locked (self, cmd);
  g_mutex_unlock (&phone->lock);
  self->reply = -1;

  /* A zero-byte data phase completes at once. */
  if (action == UB_EMU_ACTION_CONTINUE && self->checksum != NULL && self->data_expected == 0)
    finish_download (self);

  return action;
}

static UbEmuAction
handle_data (UbEmuSession *self,
             const guint8 *buf,
             gsize         len)
{
  UbEmuPhone *phone = self->phone;
  UbEmuAction action = UB_EMU_ACTION_CONTINUE;
  guint64 rate;
  /* ABL ignores surplus bytes beyond the announced size. */
  gsize n = (gsize) MIN ((guint64) len, self->data_expected - self->data_received);

  if (!pwrite_all (self->buf_fd, buf, n, self->data_received))
    g_warning ("emulator: cannot write download buffer: %s", g_strerror (errno));
  ub_emu_sha256_update (self->checksum, buf, n);
  self->data_received += n;

  g_mutex_lock (&phone->lock);
  for (guint i = 0; i < phone->faults->len; i++)
    {
      UbEmuFault *f = g_ptr_array_index (phone->faults, i);

      if ((f->kind != UB_EMU_FAULT_DISCONNECT_AFTER && f->kind != UB_EMU_FAULT_STALL_AFTER) ||
          f->spent)
        continue;
      f->bytes_seen += n;
      if (f->bytes_seen >= f->bytes)
        {
          f->spent = TRUE;
          action = f->kind == UB_EMU_FAULT_STALL_AFTER ? UB_EMU_ACTION_STALL
                                                       : UB_EMU_ACTION_DISCONNECT;
          break;
        }
    }
  rate = phone->rate;
  g_mutex_unlock (&phone->lock);

  if (action != UB_EMU_ACTION_CONTINUE)
    {
      /* The download never completes. */
      self->data_expected = self->data_received = 0;
      g_clear_pointer (&self->checksum, ub_emu_sha256_free);
      self->dead = action;
      return action;
    }

  if (rate > 0)
    throttle (self, n, rate);
  if (self->data_received == self->data_expected)
    finish_download (self);
  return UB_EMU_ACTION_CONTINUE;
}

UbEmuAction
ub_emu_session_feed (UbEmuSession *self,
                     const guint8 *buf,
                     gsize         len)
{
  g_return_val_if_fail (UB_IS_EMU_SESSION (self), UB_EMU_ACTION_DISCONNECT);
  g_return_val_if_fail (buf != NULL || len == 0, UB_EMU_ACTION_DISCONNECT);

  if (self->dead != UB_EMU_ACTION_CONTINUE)
    return self->dead;
  if (len == 0)
    return UB_EMU_ACTION_CONTINUE;   /* zero-length packets are ignored */

  if (self->data_expected > self->data_received)
    return handle_data (self, buf, len);
  return handle_command (self, buf, len);
}
