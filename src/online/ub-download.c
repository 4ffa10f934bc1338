/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "ub-download.h"
#include "ub-online-error.h"
#include "ub-online-uri.h"
#include "ub-progress.h"
#include "ub-rom-name.h"

#define BUFFER_SIZE        (1024 * 1024)          /* read, write and hash in 1 MiB pieces */
#define MAX_RESTARTS       3                      /* starts from 0 within one attempt */
#define MAX_DELAY_MS       30000
#define STALL_SECONDS      30                     /* default: no byte for this long = stalled */
#define MIN_RATE           (16 * 1024)            /* default minimum rate on a mirror, bytes/s */
#define MIRROR_RETRIES     2                      /* lost connections before trying another mirror */
#define RESUME_XATTR       "user.unbrick.resume"  /* "<total> <validator>" on the .part */

struct _UbDownload
{
  GObject          parent_instance;

  /* immutable after construction */
  char            *url;            /* the first address */
  GUri            *uri;
  GPtrArray       *urls;           /* char *: every address, in order (mirrors) */
  GPtrArray       *uris;           /* GUri *: the same, parsed */
  gboolean         mirrors;        /* made by ub_download_new_for_mirrors() */
  char            *dest_dir;
  char            *file_name;
  char            *final_path;
  char            *part_path;
  char            *name_md5;       /* 10 lower-case hex digits from the name, or NULL */
  char            *expected_md5;   /* 32 lower-case hex digits, or NULL */
  guint            max_retries;
  guint            first_delay_ms;
  guint            stall_seconds;
  guint64          min_rate;
  guint64          expected_size;  /* 0: unknown */
  UbProgress      *progress;       /* bytes done of the file's size; thread-safe */

  /* owner thread: updated when events are dispatched */
  UbDownloadState  state;
  gboolean         already_present;
  char            *md5;

  /* shared with the worker, under mutex */
  GMutex           mutex;
  GCond            cond;
  gboolean         running;
  gboolean         paused;
  GCancellable    *cancellable;          /* the caller's (or our own) */
  GCancellable    *attempt_cancellable;  /* the request under way; cancelled to pause */
  gboolean         sync;                 /* events emitted at once, on the worker */
  guint            current;              /* index of the address in use */
};

enum { SIGNAL_STATE_CHANGED, SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (UbDownload, ub_download, G_TYPE_OBJECT)

/* ---- events, delivered on the owner's main context through progress (UbProgress::event) */

#define EVENT_STATE    "state"      /* u: the UbDownloadState */
#define EVENT_FINISHED "finished"   /* (bm@(sis)msb): already present, error, md5, async */

static void
dispatch_event (UbProgress *progress,
                const char *kind,
                GVariant   *data,
                UbDownload *self)
{
  if (g_str_equal (kind, EVENT_STATE))
    {
      self->state = g_variant_get_uint32 (data);
      g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
    }
  else if (g_str_equal (kind, EVENT_FINISHED))
    {
      g_autoptr(GVariant) error_data = NULL;
      g_autoptr(GError) error = NULL;
      gboolean async;

      g_free (self->md5);
      g_variant_get (data, "(bm@(sis)msb)", &self->already_present, &error_data, &self->md5,
                     &async);
      if (error_data != NULL)
        error = ub_progress_error_from_variant (error_data);
      self->state = error == NULL ? UB_DOWNLOAD_STATE_SUCCEEDED : UB_DOWNLOAD_STATE_FAILED;
      g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0, error);
      /* the worker's reference, kept until its last event was delivered */
      if (async)
        g_object_unref (self);
    }
  else
    g_assert_not_reached ();
}

/* Takes a floating @data. */
static void
post_event (UbDownload *self,
            const char *kind,
            GVariant   *data)
{
  gboolean sync;

  g_mutex_lock (&self->mutex);
  sync = self->sync;
  g_mutex_unlock (&self->mutex);
  if (sync)
    {
      g_variant_ref_sink (data);
      dispatch_event (self->progress, kind, data, self);
      g_variant_unref (data);
      return;
    }
  ub_progress_post_event (self->progress, kind, data);
}

/* ---- GObject */

static void
ub_download_finalize (GObject *object)
{
  UbDownload *self = UB_DOWNLOAD (object);

  g_free (self->url);
  g_clear_pointer (&self->uri, g_uri_unref);
  g_clear_pointer (&self->urls, g_ptr_array_unref);
  g_clear_pointer (&self->uris, g_ptr_array_unref);
  g_free (self->dest_dir);
  g_free (self->file_name);
  g_free (self->final_path);
  g_free (self->part_path);
  g_free (self->name_md5);
  g_free (self->expected_md5);
  g_free (self->md5);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->progress);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (ub_download_parent_class)->finalize (object);
}

static void
ub_download_class_init (UbDownloadClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_download_finalize;

  /**
   * UbDownload::state-changed:
   *
   * See ub_download_get_state().
   */
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 0);
  /**
   * UbDownload::finished:
   * @error: (nullable): why it failed, or %NULL when the file is ready at the final path
   */
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
ub_download_init (UbDownload *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->progress = ub_progress_new ();
  g_signal_connect (self->progress, "event", G_CALLBACK (dispatch_event), self);
  self->max_retries = 6;
  self->first_delay_ms = 1000;
  self->stall_seconds = STALL_SECONDS;
  self->min_rate = MIN_RATE;
  self->urls = g_ptr_array_new_with_free_func (g_free);
  self->uris = g_ptr_array_new_with_free_func ((GDestroyNotify) g_uri_unref);
}

/* ---- URL checks */

/* The last path segment, percent-decoded, if it is a safe file name. */
static char *
file_name_from_uri (GUri       *uri,
                    const char *shown,
                    GError    **error)
{
  const char *path = g_uri_get_path (uri);
  const char *slash = strrchr (path, '/');
  const char *segment = slash != NULL ? slash + 1 : path;
  g_autofree char *name = g_uri_unescape_string (segment, "/");
  gboolean bad = name == NULL || name[0] == '\0' || name[0] == '.' ||
                 strstr (name, "..") != NULL || !g_utf8_validate (name, -1, NULL) ||
                 strlen (name) + strlen (".part") > 255;

  for (const char *p = name; !bad && *p != '\0'; p++)
    bad = g_ascii_iscntrl (*p) || *p == '\\';
  if (bad)
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL,
                   _("The link “%s” does not end with a usable file name. Copy the full "
                     "download link of the ROM file (it usually ends in .tgz)."), shown);
      return NULL;
    }
  return g_steal_pointer (&name);
}

/* Checks one address; returns it stripped, parsed, and its file name. */
static gboolean
parse_url (const char  *url,
           char       **clean_out,
           GUri       **uri_out,
           char       **name_out,
           GError     **error)
{
  g_autofree char *clean = g_strstrip (g_strdup (url));
  g_autoptr(GUri) uri = g_uri_parse (clean, SOUP_HTTP_URI_FLAGS, NULL);
  char *name;

  if (uri == NULL)
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL,
                   _("“%s” is not a web address. Copy the ROM’s download link again "
                     "(it starts with https://)."), clean);
      return FALSE;
    }
  if (!ub_online_uri_check (uri, clean, error))
    return FALSE;
  name = file_name_from_uri (uri, clean, error);
  if (name == NULL)
    return FALSE;
  *clean_out = g_steal_pointer (&clean);
  *uri_out = g_steal_pointer (&uri);
  *name_out = name;
  return TRUE;
}

/* Sets the paths and the MD5 prefix from the file name. */
static void
init_paths (UbDownload *self,
            const char *dest_dir)
{
  self->url = g_strdup (g_ptr_array_index (self->urls, 0));
  self->uri = g_uri_ref (g_ptr_array_index (self->uris, 0));
  self->dest_dir = g_strdup (dest_dir);
  self->final_path = g_build_filename (dest_dir, self->file_name, NULL);
  self->part_path = g_strconcat (self->final_path, ".part", NULL);
  /* Xiaomi names end in "_<first 10 hex digits of the MD5>.tgz" (or another archive extension) */
  if (ub_rom_name_is_archive (self->file_name))
    self->name_md5 = ub_rom_name_dup_md5_prefix (self->file_name);
}

UbDownload *
ub_download_new (const char *url,
                 const char *dest_dir,
                 GError    **error)
{
  g_autoptr(UbDownload) self = NULL;
  char *clean = NULL;
  GUri *uri = NULL;
  char *name = NULL;

  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (dest_dir != NULL, NULL);

  if (!parse_url (url, &clean, &uri, &name, error))
    return NULL;
  self = g_object_new (UB_TYPE_DOWNLOAD, NULL);
  g_ptr_array_add (self->urls, clean);
  g_ptr_array_add (self->uris, uri);
  self->file_name = name;
  init_paths (self, dest_dir);
  return g_steal_pointer (&self);
}

UbDownload *
ub_download_new_for_mirrors (const char * const *urls,
                             const char         *dest_dir,
                             GError            **error)
{
  g_autoptr(UbDownload) self = NULL;

  g_return_val_if_fail (dest_dir != NULL, NULL);

  self = g_object_new (UB_TYPE_DOWNLOAD, NULL);
  self->mirrors = TRUE;
  for (gsize i = 0; urls != NULL && urls[i] != NULL; i++)
    {
      char *clean = NULL;
      GUri *uri = NULL;
      g_autofree char *name = NULL;
      gboolean seen = FALSE;

      if (!parse_url (urls[i], &clean, &uri, &name, error))
        return NULL;
      if (self->file_name == NULL)
        self->file_name = g_steal_pointer (&name);
      else if (!g_str_equal (name, self->file_name))
        {
          g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL,
                       /* TRANSLATORS: two file names */
                       _("The download addresses are not all for the same file: one ends "
                         "in “%s”, another in “%s”."), self->file_name, name);
          g_free (clean);
          g_uri_unref (uri);
          return NULL;
        }
      for (guint j = 0; j < self->urls->len && !seen; j++)
        seen = g_str_equal (g_ptr_array_index (self->urls, j), clean);
      if (seen)
        {
          g_free (clean);
          g_uri_unref (uri);
          continue;
        }
      g_ptr_array_add (self->urls, clean);
      g_ptr_array_add (self->uris, uri);
    }
  if (self->urls->len == 0)
    {
      g_set_error_literal (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL,
                           _("No download address was given."));
      return NULL;
    }
  init_paths (self, dest_dir);
  return g_steal_pointer (&self);
}

char *
ub_download_dup_current_url (UbDownload *self)
{
  char *url;

  g_return_val_if_fail (UB_IS_DOWNLOAD (self), NULL);
  g_mutex_lock (&self->mutex);
  url = g_strdup (g_ptr_array_index (self->urls, self->current));
  g_mutex_unlock (&self->mutex);
  return url;
}

void
ub_download_set_stall_policy (UbDownload *self,
                              guint       stall_seconds,
                              guint64     min_rate)
{
  g_return_if_fail (UB_IS_DOWNLOAD (self));
  self->stall_seconds = stall_seconds;
  self->min_rate = min_rate;
}

void
ub_download_set_expected_size (UbDownload *self,
                               guint64     size)
{
  g_return_if_fail (UB_IS_DOWNLOAD (self));
  g_return_if_fail (size <= G_MAXINT64);
  self->expected_size = size;
}

gboolean
ub_download_set_expected_md5 (UbDownload *self,
                              const char *md5_hex,
                              GError    **error)
{
  g_autofree char *copy = NULL;
  g_autofree char *md5 = NULL;

  g_return_val_if_fail (UB_IS_DOWNLOAD (self), FALSE);

  if (md5_hex == NULL)
    {
      g_clear_pointer (&self->expected_md5, g_free);
      return TRUE;
    }
  copy = g_strdup (md5_hex);
  md5 = g_ascii_strdown (g_strstrip (copy), -1);
  for (const char *p = md5; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p))
      {
        g_clear_pointer (&md5, g_free);
        break;
      }
  if (md5 == NULL || strlen (md5) != 32)
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_CHECKSUM,
                   _("“%s” is not an MD5 checksum (32 characters 0–9 and a–f). Copy it "
                     "again from the download page."), md5_hex);
      return FALSE;
    }
  if (self->name_md5 != NULL && !g_str_has_prefix (md5, self->name_md5))
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_CHECKSUM,
                   /* TRANSLATORS: an MD5 checksum (32 letters and digits), a file name, the first
                    * letters of an MD5 */
                   _("The MD5 %s cannot belong to %s: the file name says its MD5 starts "
                     "with %s. Check that you copied the checksum of this ROM."),
                   md5, self->file_name, self->name_md5);
      return FALSE;
    }
  g_free (self->expected_md5);
  self->expected_md5 = g_steal_pointer (&md5);
  return TRUE;
}

void
ub_download_set_retry_policy (UbDownload *self,
                              guint       max_retries,
                              guint       first_delay_ms)
{
  g_return_if_fail (UB_IS_DOWNLOAD (self));
  self->max_retries = max_retries;
  self->first_delay_ms = first_delay_ms;
}

const char *
ub_download_get_url (UbDownload *self)
{
  g_return_val_if_fail (UB_IS_DOWNLOAD (self), NULL);
  return self->url;
}

const char *
ub_download_get_file_name (UbDownload *self)
{
  g_return_val_if_fail (UB_IS_DOWNLOAD (self), NULL);
  return self->file_name;
}

const char *
ub_download_get_final_path (UbDownload *self)
{
  g_return_val_if_fail (UB_IS_DOWNLOAD (self), NULL);
  return self->final_path;
}

const char *
ub_download_get_part_path (UbDownload *self)
{
  g_return_val_if_fail (UB_IS_DOWNLOAD (self), NULL);
  return self->part_path;
}

UbProgress *
ub_download_get_progress (UbDownload *self)
{
  g_return_val_if_fail (UB_IS_DOWNLOAD (self), NULL);
  return self->progress;
}

UbDownloadState
ub_download_get_state (UbDownload *self)
{
  g_return_val_if_fail (UB_IS_DOWNLOAD (self), UB_DOWNLOAD_STATE_IDLE);
  return self->state;
}

gboolean
ub_download_get_already_present (UbDownload *self)
{
  g_return_val_if_fail (UB_IS_DOWNLOAD (self), FALSE);
  return self->already_present;
}

const char *
ub_download_get_md5 (UbDownload *self)
{
  g_return_val_if_fail (UB_IS_DOWNLOAD (self), NULL);
  return self->md5;
}

gboolean
ub_download_has_md5_check (UbDownload *self)
{
  g_return_val_if_fail (UB_IS_DOWNLOAD (self), FALSE);
  return self->name_md5 != NULL || self->expected_md5 != NULL;
}

/* ---- the job, on the thread that runs it */

typedef struct {
  UbDownload  *self;
  SoupSession *session;
  guint8      *buffer;
  GChecksum   *checksum;      /* NULL when no MD5 is known: nothing to check */
  int          fd;            /* the .part, -1 until opened */
  guint64      offset;        /* bytes in the .part (all of them hashed) */
  gint64       total;         /* the file's size, -1 unknown */
  char        *validator;     /* strong ETag or Last-Modified of those bytes */
  gboolean     no_range;      /* the server's Range answers cannot be trusted */
  gboolean     confirm_end;   /* a body of unknown length ended: check that nothing follows */
  gint64       final_size;    /* an existing final file to compare by size, or -1 */
  gboolean     already_present;
  UbDownloadState state;
  /* mirrors */
  guint        mirror;        /* index of the address in use */
  guint8      *mirror_state;  /* a MirrorState per address */
  gboolean     last_resort;   /* back on a slow mirror: no minimum rate any more */
  gboolean     throttled;     /* the mirror being left was only slow */
  gboolean     head_done;     /* HEAD was asked of this mirror */
  gint64       known_size;    /* the size all mirrors must have, -1 unknown */
  gint         head_mirror;   /* the mirror whose HEAD told known_size, else -1 */
} Job;

/* ATTEMPT_LEAVE: this mirror cannot deliver (the error says why); try the next one */
typedef enum { ATTEMPT_DONE, ATTEMPT_RETRY, ATTEMPT_FATAL, ATTEMPT_LEAVE } AttemptResult;

typedef enum { MIRROR_UNTRIED, MIRROR_FAILED, MIRROR_SLOW } MirrorState;

static GUri *
job_uri (Job *job)
{
  return g_ptr_array_index (job->self->uris, job->mirror);
}

static const char *
job_host (Job *job)
{
  return g_uri_get_host (job_uri (job));
}

/* Whether another mirror has not been tried yet. */
static gboolean
job_has_untried_mirror (Job *job)
{
  for (guint i = 0; i < job->self->uris->len; i++)
    if (i != job->mirror && job->mirror_state[i] == MIRROR_UNTRIED)
      return TRUE;
  return FALSE;
}

/* A fault of the server: another mirror may do better; without mirrors it is the end. */
static AttemptResult
server_fault (Job *job)
{
  return job->self->mirrors ? ATTEMPT_LEAVE : ATTEMPT_FATAL;
}

static void
job_set_state (Job             *job,
               UbDownloadState  state)
{
  if (job->state == state)
    return;
  /* a new count: checking reads the disk, and bytes already there (a resume)
   * are not part of this transfer's rate */
  if (state == UB_DOWNLOAD_STATE_CHECKING || state == UB_DOWNLOAD_STATE_DOWNLOADING)
    ub_progress_reset (job->self->progress);
  job->state = state;
  post_event (job->self, EVENT_STATE, g_variant_new_uint32 (state));
}

/* Bytes in the file (or checked) of @total (0: unknown). Goes to the progress
 * at once: it coalesces what its owner sees. */
static void
job_progress (Job     *job,
              guint64  done,
              guint64  total)
{
  ub_progress_set_bytes_total (job->self->progress, total == G_MAXUINT64 ? 0 : total);
  ub_progress_set_bytes_done (job->self->progress, done);
}

static gboolean
user_cancelled (Job *job)
{
  return g_cancellable_is_cancelled (job->self->cancellable);
}

static void
set_cancelled_error (Job     *job,
                     GError **error)
{
  g_autofree char *size = g_format_size (job->offset);

  if (job->offset > 0)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                 /* TRANSLATORS: the size downloaded (e.g. “1.2 GB”), then a file name */
                 _("The download was stopped. The %s downloaded so far was kept in %s; "
                   "start the same download again to continue."), size, job->self->part_path);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The download was stopped."));
}

static void
set_io_error (GError    **error,
              int         errsv,
              const char *what,
              const char *path)
{
  if (errsv == ENOSPC || errsv == EDQUOT)
    g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NO_SPACE,
                 /* TRANSLATORS: %s: a file name */
                 _("The disk is full: %s could not be written. The part downloaded so far "
                   "was kept; free some space, then start the download again to continue."),
                 path);
  else
    g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_FAILED,
                 /* TRANSLATORS: what failed (e.g. “Could not write”), a file name, then
                  * the system's reason; reorder with %1$s %2$s %3$s if needed */
                 _("%s %s: %s"), what, path, g_strerror (errsv));
}

/* Reads @path to the end into job->checksum; returns its size in @size. */
static gboolean
hash_file (Job        *job,
           const char *path,
           guint64    *size,
           GError    **error)
{
  struct stat st;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  guint64 done = 0;
  gboolean ok = TRUE;

  if (fd < 0 || fstat (fd, &st) < 0)
    {
      int errsv = errno;
      set_io_error (error, errsv, _("Could not read"), path);
      if (fd >= 0)
        close (fd);
      return FALSE;
    }
  job_set_state (job, UB_DOWNLOAD_STATE_CHECKING);
  for (;;)
    {
      gssize n = read (fd, job->buffer, BUFFER_SIZE);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          set_io_error (error, errsv, _("Could not read"), path);
          ok = FALSE;
          break;
        }
      if (n == 0)
        break;
      g_checksum_update (job->checksum, job->buffer, n);
      done += n;
      if (user_cancelled (job))
        {
          set_cancelled_error (job, error);
          ok = FALSE;
          break;
        }
      job_progress (job, done, MAX ((guint64) st.st_size, done));
    }
  close (fd);
  if (ok)
    job_progress (job, done, done);
  *size = done;
  return ok;
}

static void
job_reset_checksum (Job *job)
{
  if (job->checksum != NULL)
    g_checksum_reset (job->checksum);
}

static void
job_store_validator (Job *job)
{
  g_autofree char *value = NULL;

  if (job->fd < 0)
    return;
  if (job->validator == NULL && job->total < 0)
    {
      fremovexattr (job->fd, RESUME_XATTR);
      return;
    }
  value = g_strdup_printf ("%" G_GINT64_FORMAT " %s", job->total,
                           job->validator != NULL ? job->validator : "");
  /* best effort: without it a later run resumes without If-Range */
  if (fsetxattr (job->fd, RESUME_XATTR, value, strlen (value), 0) < 0)
    g_debug ("%s: no resume information stored: %s", job->self->part_path, g_strerror (errno));
}

static void
job_load_validator (Job *job)
{
  char value[1024];
  gssize n = getxattr (job->self->part_path, RESUME_XATTR, value, sizeof value - 1);
  char *end = NULL;
  gint64 total;

  if (n <= 0)
    return;
  value[n] = '\0';
  total = g_ascii_strtoll (value, &end, 10);
  if (end == value || *end != ' ')
    return;
  job->total = total >= 0 ? total : -1;
  if (end[1] != '\0')
    job->validator = g_strdup (end + 1);
}

/* Opens the .part for writing at job->offset (creating it when needed). */
static gboolean
job_open_part (Job     *job,
               GError **error)
{
  if (job->fd < 0)
    {
      job->fd = g_open (job->self->part_path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (job->fd < 0)
        {
          int errsv = errno;
          set_io_error (error, errsv, _("Could not create"), job->self->part_path);
          return FALSE;
        }
    }
  if (ftruncate (job->fd, job->offset) < 0 || lseek (job->fd, job->offset, SEEK_SET) < 0)
    {
      int errsv = errno;
      set_io_error (error, errsv, _("Could not write"), job->self->part_path);
      return FALSE;
    }
  return TRUE;
}

/* Drops what the .part holds and starts from byte 0. */
static gboolean
job_restart (Job     *job,
             GError **error)
{
  g_debug ("%s: starting again from the beginning", job->self->file_name);
  job->offset = 0;
  job->total = job->known_size;
  g_clear_pointer (&job->validator, g_free);
  job_reset_checksum (job);
  if (job->fd < 0 && !g_file_test (job->self->part_path, G_FILE_TEST_EXISTS))
    return TRUE;
  return job_open_part (job, error);
}

static gboolean
job_write (Job     *job,
           gsize    length,
           GError **error)
{
  gsize written = 0;

  while (written < length)
    {
      gssize n = write (job->fd, job->buffer + written, length - written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int errsv = n < 0 ? errno : ENOSPC;
          set_io_error (error, errsv, _("Could not write"), job->self->part_path);
          return FALSE;
        }
      /* the bytes on disk stay a valid prefix of the file, hashed as they are */
      if (job->checksum != NULL)
        g_checksum_update (job->checksum, job->buffer + written, n);
      written += n;
      job->offset += n;
    }
  return TRUE;
}

static gboolean
check_free_space (Job     *job,
                  guint64  needed,
                  GError **error)
{
  struct statvfs sv;
  guint64 available;

  if (statvfs (job->self->dest_dir, &sv) < 0)
    return TRUE;  /* the writes will tell */
  available = (guint64) sv.f_bavail * sv.f_frsize;
  if (needed <= available)
    return TRUE;
  {
    g_autofree char *need_text = g_format_size (needed);
    g_autofree char *have_text = g_format_size (available);

    g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NO_SPACE,
                 /* TRANSLATORS: a size (e.g. “6.2 GB”), a folder, a size */
                 _("The download needs %s free in %s, but only %s is available. Free some "
                   "space or choose another folder, then try again."),
                 need_text, job->self->dest_dir, have_text);
  }
  return FALSE;
}

/* A strong ETag, else Last-Modified: what If-Range may carry. */
static char *
response_validator (SoupMessage *msg)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  const char *etag = soup_message_headers_get_one (headers, "ETag");
  const char *modified = soup_message_headers_get_one (headers, "Last-Modified");

  if (etag != NULL && etag[0] == '"')
    return g_strdup (etag);
  if (modified != NULL)
    return g_strdup (modified);
  return NULL;
}

/* The size in a 416 answer's "Content-Range: bytes * / SIZE" (without the spaces). */
static gint64
unsatisfied_range_total (SoupMessage *msg)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                    "Content-Range");
  char *end = NULL;
  gint64 total;

  if (value == NULL || !g_str_has_prefix (value, "bytes */"))
    return -1;
  total = g_ascii_strtoll (value + 8, &end, 10);
  return end != value + 8 && *end == '\0' ? total : -1;
}

static AttemptResult
http_status_error (Job         *job,
                   SoupMessage *msg,
                   GError     **error)
{
  guint status = soup_message_get_status (msg);
  const char *reason = soup_message_get_reason_phrase (msg);
  const char *host = job_host (job);
  gboolean transient = SOUP_STATUS_IS_SERVER_ERROR (status) ||
                       status == SOUP_STATUS_REQUEST_TIMEOUT || status == 429 /* Too Many Requests */;

  if (job->self->mirrors && (!transient || job_has_untried_mirror (job)))
    {
      if (transient)
        g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                     /* TRANSLATORS: %s: a server's name; HTTP %u %s: its answer, e.g. “HTTP 503
                      * Service Unavailable”, in English */
                     _("%s is busy or out of order (HTTP %u %s)."),
                     host, status, reason ? reason : "");
      else if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
        g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                     /* TRANSLATORS: %s: a server's name; HTTP %u %s: its answer, e.g. “HTTP 404
                      * Not Found”, in English */
                     _("%s does not have this file (HTTP %u %s)."),
                     host, status, reason ? reason : "");
      else
        g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                     /* TRANSLATORS: %s: a server's name; HTTP %u %s: its answer, e.g. “HTTP 403
                      * Forbidden”, in English */
                     _("%s refused the download (HTTP %u %s)."),
                     host, status, reason ? reason : "");
      return ATTEMPT_LEAVE;
    }
  if (transient)
    {
      /* wrapped by job_transfer() when the tries run out */
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK, "HTTP %u %s",
                   status, reason ? reason : "");
      return ATTEMPT_RETRY;
    }
  if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE ||
      status == SOUP_STATUS_FORBIDDEN)
    g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                 /* TRANSLATORS: %s: the server's name (e.g. bigota.d.miui.com); HTTP %u %s: the
                  * server's answer, e.g. “HTTP 404 Not Found”, in English */
                 _("The server %s has no file at this link (HTTP %u %s). Check that the link "
                   "is complete, or copy it again from the download page."),
                 host, status, reason ? reason : "");
  else
    g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                 /* TRANSLATORS: %s: the server's name; HTTP %u %s: its answer, e.g. “HTTP 403
                  * Forbidden” */
                 _("The server %s refused the download (HTTP %u %s). Check the link, or "
                   "try again later."), host, status, reason ? reason : "");
  return ATTEMPT_FATAL;
}

/* Network errors are worth another try; certificate and local errors are not. */
static AttemptResult
classify_error (Job     *job,
                GError **error)
{
  const char *host = job_host (job);
  GError *e = *error;

  if (e->domain == G_TLS_ERROR && e->code != G_TLS_ERROR_EOF)
    {
      g_autofree char *text = g_strdup (e->message);
      g_clear_error (error);
      if (job->self->mirrors)
        {
          g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                       /* TRANSLATORS: %s: a server's name, then the reason */
                       _("The secure connection to %s could not be trusted (%s)."), host, text);
          return ATTEMPT_LEAVE;
        }
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                   /* TRANSLATORS: %s: the server's name, then the reason */
                   _("The secure connection to %s could not be trusted (%s). Check that the "
                     "computer’s date and time are right and that the link is the official "
                     "one."), host, text);
      return ATTEMPT_FATAL;
    }
  if (e->domain == UB_ONLINE_ERROR)
    return ATTEMPT_FATAL;
  /* another mirror may answer where this one cannot be reached or stalls; on the
   * last one these count as lost connections and are tried again */
  if (job->self->mirrors && job_has_untried_mirror (job))
    {
      g_autofree char *text = g_strdup (e->message);

      if (g_error_matches (e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        {
          g_clear_error (error);
          g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                       /* TRANSLATORS: %s: a server's name */
                       ngettext ("%s sent nothing for %u second.",
                                 "%s sent nothing for %u seconds.", job->self->stall_seconds),
                       host, job->self->stall_seconds);
          return ATTEMPT_LEAVE;
        }
      if (e->domain == G_RESOLVER_ERROR ||
          g_error_matches (e, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
          g_error_matches (e, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
          g_error_matches (e, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
        {
          g_clear_error (error);
          g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                       /* TRANSLATORS: %s: a server's name, then the reason */
                       _("%s could not be reached (%s)."), host, text);
          return ATTEMPT_LEAVE;
        }
    }
  return ATTEMPT_RETRY;
}

/* Reads the body into the .part. */
static AttemptResult
receive_body (Job          *job,
              gboolean      accepts_ranges,
              GInputStream *stream,
              GCancellable *cancellable,
              GError      **error)
{
  UbDownload *self = job->self;
  guint64 total = job->total >= 0 ? (guint64) job->total : 0;
  gsize fill = 0;
  /* the rate over each stall window, while a slow mirror can be left for another */
  gboolean check_rate = self->mirrors && self->min_rate > 0 && self->stall_seconds > 0 &&
                        !job->last_resort && job_has_untried_mirror (job);
  gint64 window_start = g_get_monotonic_time ();
  guint64 window_done = job->offset;

  job_set_state (job, UB_DOWNLOAD_STATE_DOWNLOADING);
  job_progress (job, job->offset, total);
  for (;;)
    {
      gssize n = g_input_stream_read (stream, job->buffer + fill, BUFFER_SIZE - fill,
                                      cancellable, error);
      if (n < 0)
        {
          /* what arrived is good data: keep it */
          g_autoptr(GError) write_error = NULL;
          if (fill > 0 && !job_write (job, fill, &write_error))
            {
              g_clear_error (error);
              g_propagate_error (error, g_steal_pointer (&write_error));
              return ATTEMPT_FATAL;
            }
          job_progress (job, job->offset, total);   /* exact, for a pause */
          return classify_error (job, error);
        }
      if (n == 0)
        break;
      fill += n;
      if (job->total >= 0 && job->offset + fill > (guint64) job->total)
        {
          g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                       _("The server sent more data than it announced. Try again later."));
          return server_fault (job);
        }
      if (fill == BUFFER_SIZE)
        {
          if (!job_write (job, fill, error))
            return ATTEMPT_FATAL;
          fill = 0;
        }
      job_progress (job, job->offset + fill, total);
      if (check_rate)
        {
          gint64 now = g_get_monotonic_time ();
          gint64 elapsed = now - window_start;

          if (elapsed >= (gint64) self->stall_seconds * G_USEC_PER_SEC)
            {
              guint64 rate = (job->offset + fill - window_done) * G_USEC_PER_SEC / elapsed;

              if (rate < self->min_rate)
                {
                  g_autofree char *rate_text = g_format_size (rate);
                  g_autofree char *min_text = g_format_size (self->min_rate);

                  if (fill > 0 && !job_write (job, fill, error))
                    return ATTEMPT_FATAL;
                  job_progress (job, job->offset, total);
                  job->throttled = TRUE;
                  g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                               /* TRANSLATORS: a server's name, then two sizes (e.g. “12.3 kB”) */
                               _("%s was too slow (%s/s, less than %s/s)."),
                               job_host (job), rate_text, min_text);
                  return ATTEMPT_LEAVE;
                }
              window_start = now;
              window_done = job->offset + fill;
            }
        }
    }
  if (fill > 0 && !job_write (job, fill, error))
    return ATTEMPT_FATAL;
  if (job->total >= 0 && job->offset < (guint64) job->total)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                   _("The connection ended before the whole file arrived."));
      return ATTEMPT_RETRY;
    }
  if (job->total < 0)
    {
      /* libsoup takes a chunked body cut at a chunk boundary for a complete one:
       * when the server does ranges, ask for the rest, which must be nothing (416) */
      if (!job->no_range && job->offset > 0 && accepts_ranges)
        {
          job->confirm_end = TRUE;
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                       _("The connection ended before the whole file arrived."));
          return ATTEMPT_RETRY;
        }
      job->total = job->offset;
    }
  job_progress (job, job->offset, job->total);
  return ATTEMPT_DONE;
}

/* Closes a response without reading the rest of its body. */
static void
abandon_stream (GInputStream *stream)
{
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();

  g_cancellable_cancel (cancelled);
  g_input_stream_close (stream, cancelled, NULL);
}

/* A server offering a file of another size than the one known. */
static AttemptResult
size_differs (Job     *job,
              gint64   size,
              GError **error)
{
  g_autofree char *got = NULL;
  g_autofree char *want = NULL;

  if (job->head_mirror == (gint) job->mirror)
    {
      /* the download itself is right where its own HEAD was not */
      g_debug ("%s: %s sends %" G_GINT64_FORMAT " bytes, not %" G_GINT64_FORMAT " as its HEAD "
               "said", job->self->file_name, job_host (job), size, job->known_size);
      job->known_size = size;
      job->head_mirror = -1;
      return ATTEMPT_DONE;
    }
  got = g_format_size_full (size, G_FORMAT_SIZE_LONG_FORMAT);
  want = g_format_size_full (job->known_size, G_FORMAT_SIZE_LONG_FORMAT);
  g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
               /* TRANSLATORS: a server's name, then two sizes */
               _("%s offers a file of %s instead of %s."), job_host (job), got, want);
  return server_fault (job);
}

/* The exact size is known (expected, or from a HEAD): the .part must fit it and
 * the disk must hold the rest. ATTEMPT_DONE with already_present set when an
 * unchecked final file has that size. */
static AttemptResult
job_learned_size (Job     *job,
                  gint64   size,
                  GError **error)
{
  if (job->known_size >= 0 && size != job->known_size)
    {
      AttemptResult result = size_differs (job, size, error);

      if (result != ATTEMPT_DONE)
        return result;
    }
  job->known_size = size;
  if ((job->total >= 0 && job->total != size) || job->offset > (guint64) size)
    {
      /* the .part is of another file */
      if (!job_restart (job, error))
        return ATTEMPT_FATAL;
    }
  job->total = size;
  if (job->final_size >= 0 && job->final_size == size)
    {
      job->already_present = TRUE;
      return ATTEMPT_DONE;
    }
  if (!check_free_space (job, size - job->offset, error))
    return ATTEMPT_FATAL;
  job_progress (job, job->offset, size);
  return ATTEMPT_DONE;
}

/*
 * A redirect answer (ub_online_uri_redirect() gave @next): FALSE when it is to be
 * followed (@uri is moved on), else TRUE with *result and @error set.
 */
static gboolean
redirect_refused (Job           *job,
                  SoupMessage   *msg,
                  GUri          *next,
                  GUri         **uri,
                  AttemptResult *result,
                  GError       **error)
{
  if (next == NULL)
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                   _("The server %s sent the download to an invalid address. Try "
                     "again later."), job_host (job));
      *result = server_fault (job);
      return TRUE;
    }
  if (!ub_online_uri_check (next, soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                                "Location"), error))
    {
      *result = server_fault (job);
      return TRUE;
    }
  g_uri_unref (*uri);
  *uri = g_uri_ref (next);
  return FALSE;
}

/* HEAD on the current mirror: its answer tells the file's size. */
static AttemptResult
head_request (Job          *job,
              GCancellable *cancellable,
              GError      **error)
{
  g_autoptr(GUri) uri = g_uri_ref (job_uri (job));
  guint redirects = 0;
  g_autoptr(GUri) next = NULL;

  job->head_done = TRUE;
  for (;;)
    {
      g_autoptr(SoupMessage) msg = soup_message_new_from_uri (SOUP_METHOD_HEAD, uri);
      g_autoptr(GInputStream) stream = NULL;
      const char *length;
      char *end = NULL;
      guint64 size;
      guint status;
      AttemptResult result;

      soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
      soup_message_headers_replace (soup_message_get_request_headers (msg),
                                    "Accept-Encoding", "identity");
      job_set_state (job, UB_DOWNLOAD_STATE_CONNECTING);
      stream = soup_session_send (job->session, msg, cancellable, error);
      if (stream == NULL)
        {
          if (g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            job->head_done = FALSE;   /* paused: ask again on resuming */
          return classify_error (job, error);
        }
      g_input_stream_close (stream, NULL, NULL);
      status = soup_message_get_status (msg);
      if (ub_online_uri_redirect (msg, uri, &redirects, &next))
        {
          if (redirect_refused (job, msg, next, &uri, &result, error))
            return result;
          g_clear_pointer (&next, g_uri_unref);
          continue;
        }
      if (status == SOUP_STATUS_METHOD_NOT_ALLOWED || status == SOUP_STATUS_NOT_IMPLEMENTED)
        return ATTEMPT_DONE;   /* no HEAD here: the download tells the size */
      if (status != SOUP_STATUS_OK)
        return http_status_error (job, msg, error);
      length = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                             "Content-Length");
      if (length == NULL || !g_ascii_isdigit (length[0]))
        return ATTEMPT_DONE;
      size = g_ascii_strtoull (length, &end, 10);
      if (*end != '\0' || size == 0 || size > G_MAXINT64)
        return ATTEMPT_DONE;   /* (some servers answer HEAD with 0) */
      g_debug ("%s: %s has %" G_GUINT64_FORMAT " bytes", job->self->file_name, job_host (job),
               size);
      result = job_learned_size (job, size, error);
      if (result == ATTEMPT_DONE)
        job->head_mirror = job->mirror;
      return result;
    }
}

/* One request (following redirects): on ATTEMPT_DONE the .part is complete. */
static AttemptResult
attempt (Job          *job,
         GCancellable *cancellable,
         GError      **error)
{
  UbDownload *self = job->self;
  g_autoptr(GUri) uri = g_uri_ref (job_uri (job));
  guint redirects = 0;
  g_autoptr(GUri) next = NULL;
  guint restarts = 0;

  if (self->mirrors && job->known_size < 0 && !job->head_done)
    {
      AttemptResult result = head_request (job, cancellable, error);

      if (result != ATTEMPT_DONE || job->already_present)
        return result;
    }

  for (;;)
    {
      g_autoptr(SoupMessage) msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
      SoupMessageHeaders *request = soup_message_get_request_headers (msg);
      SoupMessageHeaders *response = soup_message_get_response_headers (msg);
      g_autoptr(GInputStream) stream = NULL;
      gboolean ranged = job->offset > 0 && !job->no_range;
      guint status;
      AttemptResult result;

      soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
      soup_message_headers_replace (request, "Accept-Encoding", "identity");
      if (ranged)
        {
          soup_message_headers_set_range (request, job->offset, -1);
          /* mirrors have validators of their own: there the MD5 checks the joined bytes */
          if (job->validator != NULL && !(self->mirrors && job->checksum != NULL))
            soup_message_headers_replace (request, "If-Range", job->validator);
        }
      job_set_state (job, UB_DOWNLOAD_STATE_CONNECTING);
      stream = soup_session_send (job->session, msg, cancellable, error);
      if (stream == NULL)
        return classify_error (job, error);
      status = soup_message_get_status (msg);

      if (ub_online_uri_redirect (msg, uri, &redirects, &next))
        {
          g_input_stream_close (stream, NULL, NULL);
          if (redirect_refused (job, msg, next, &uri, &result, error))
            return result;
          g_clear_pointer (&next, g_uri_unref);
          continue;
        }

      if (ranged && status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
        {
          gint64 total = unsatisfied_range_total (msg);

          g_input_stream_close (stream, NULL, NULL);
          if (total >= 0 && (guint64) total == job->offset &&
              (job->total < 0 || job->total == total))
            {
              job->total = total;   /* the .part was already complete */
              job_progress (job, job->offset, job->total);
              return ATTEMPT_DONE;
            }
          if (++restarts > MAX_RESTARTS || !job_restart (job, error))
            goto restart_failed;
          continue;
        }

      if (ranged && status == SOUP_STATUS_PARTIAL_CONTENT)
        {
          goffset start = -1, end = -1, total = -1;

          if (!soup_message_headers_get_content_range (response, &start, &end, &total) ||
              (guint64) start != job->offset)
            {
              /* never append bytes from the wrong place */
              g_debug ("%s: the server answered another range than asked", self->file_name);
              g_input_stream_close (stream, NULL, NULL);
              job->no_range = TRUE;
              if (++restarts > MAX_RESTARTS || !job_restart (job, error))
                goto restart_failed;
              continue;
            }
          if (total < 0)
            total = end + 1;
          if (job->known_size >= 0 && total != job->known_size &&
              (result = size_differs (job, total, error)) != ATTEMPT_DONE)
            {
              abandon_stream (stream);
              return result;
            }
          if (job->total >= 0 && job->total != total)
            {
              /* the file on the server changed */
              g_input_stream_close (stream, NULL, NULL);
              if (++restarts > MAX_RESTARTS || !job_restart (job, error))
                goto restart_failed;
              continue;
            }
          job->total = total;
          if (job->validator == NULL)
            job->validator = response_validator (msg);
        }
      else if (status == SOUP_STATUS_OK)
        {
          /* a full body: whatever the .part held is replaced, never appended to */
          if (job->offset > 0 && !job_restart (job, error))
            return ATTEMPT_FATAL;
          job->total = soup_message_headers_get_encoding (response) == SOUP_ENCODING_CONTENT_LENGTH
                       ? soup_message_headers_get_content_length (response) : -1;
          if (job->known_size >= 0 && job->total < 0)
            job->total = job->known_size;   /* chunked: the known size still holds */
          else if (job->known_size >= 0 && job->total != job->known_size &&
                   (result = size_differs (job, job->total, error)) != ATTEMPT_DONE)
            {
              job->total = job->known_size;
              abandon_stream (stream);
              return result;
            }
          g_free (job->validator);
          job->validator = response_validator (msg);
        }
      else
        {
          g_input_stream_close (stream, NULL, NULL);
          return http_status_error (job, msg, error);
        }

      if (job->final_size >= 0)
        {
          /* no MD5 to check an existing finished file: its size must do */
          if (job->total == job->final_size)
            {
              g_input_stream_close (stream, NULL, NULL);
              job->already_present = TRUE;
              return ATTEMPT_DONE;
            }
          job->final_size = -1;
        }
      if (job->total >= 0 && !check_free_space (job, job->total - job->offset, error))
        {
          g_input_stream_close (stream, NULL, NULL);
          return ATTEMPT_FATAL;
        }
      if (!job_open_part (job, error))
        {
          g_input_stream_close (stream, NULL, NULL);
          return ATTEMPT_FATAL;
        }
      job_store_validator (job);
      result = receive_body (job,
                             soup_message_headers_header_equals (response, "Accept-Ranges", "bytes"),
                             stream, cancellable, error);
      if (result == ATTEMPT_LEAVE)
        abandon_stream (stream);
      else
        g_input_stream_close (stream, NULL, NULL);
      return result;
    }

restart_failed:
  if (error != NULL && *error != NULL)
    return ATTEMPT_FATAL;   /* the .part could not be reset */
  g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                 _("The server %s keeps sending the wrong parts of the file. Try again later."),
                 job_host (job));
  return server_fault (job);
}

/* Waits while paused; FALSE when cancelled meanwhile. */
static gboolean
wait_while_paused (Job *job)
{
  UbDownload *self = job->self;
  gboolean paused;

  g_mutex_lock (&self->mutex);
  paused = self->paused && !user_cancelled (job);
  g_mutex_unlock (&self->mutex);
  if (!paused)
    return !user_cancelled (job);

  job_set_state (job, UB_DOWNLOAD_STATE_PAUSED);
  g_mutex_lock (&self->mutex);
  while (self->paused && !user_cancelled (job))
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);
  return !user_cancelled (job);
}

/* Sleeps @delay_ms unless paused or cancelled meanwhile. */
static void
wait_before_retry (Job   *job,
                   guint  delay_ms)
{
  UbDownload *self = job->self;
  gint64 end = g_get_monotonic_time () + (gint64) delay_ms * 1000;

  job_set_state (job, UB_DOWNLOAD_STATE_RETRYING);
  g_mutex_lock (&self->mutex);
  while (!self->paused && !user_cancelled (job))
    if (!g_cond_wait_until (&self->cond, &self->mutex, end))
      break;
  g_mutex_unlock (&self->mutex);
}

static void
job_set_mirror (Job   *job,
                guint  mirror)
{
  job->mirror = mirror;
  g_mutex_lock (&job->self->mutex);
  job->self->current = mirror;
  g_mutex_unlock (&job->self->mutex);
}

/* Leaves the current mirror for @reason: FALSE with @error set when none is left. */
static gboolean
job_leave_mirror (Job          *job,
                  const GError *reason,
                  GError      **error)
{
  UbDownload *self = job->self;
  guint n = self->uris->len;
  guint next = n;

  g_debug ("%s: leaving %s: %s", self->file_name,
           (const char *) g_ptr_array_index (self->urls, job->mirror), reason->message);
  job->mirror_state[job->mirror] = job->throttled ? MIRROR_SLOW : MIRROR_FAILED;
  job->throttled = FALSE;
  for (guint i = 1; i < n && next == n; i++)
    if (job->mirror_state[(job->mirror + i) % n] == MIRROR_UNTRIED)
      next = (job->mirror + i) % n;
  /* only slow ones left: better slow than nothing */
  for (guint i = 0; i < n && next == n; i++)
    if (job->mirror_state[i] == MIRROR_SLOW)
      {
        next = i;
        job->last_resort = TRUE;
      }
  if (next == n)
    {
      if (job->offset > 0)
        {
          g_autofree char *size = g_format_size (job->offset);

          g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                       /* TRANSLATORS: how many servers; the reason the last one failed (a
                        * sentence); the size downloaded so far and a file name */
                       ngettext ("The file could not be downloaded from the %u server that has "
                                 "it. %s The %s downloaded so far was kept in %s; check the "
                                 "internet connection, then start the same download again to "
                                 "continue.",
                                 "The file could not be downloaded from any of the %u servers "
                                 "that have it. The last one failed: %s The %s downloaded so "
                                 "far was kept in %s; check the internet connection, then "
                                 "start the same download again to continue.", n),
                       n, reason->message, size, self->part_path);
        }
      else
        g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                     /* TRANSLATORS: how many servers, then the reason the last one failed
                      * (a sentence) */
                     ngettext ("The file could not be downloaded from the %u server that has "
                               "it. %s Check the internet connection and try again later.",
                               "The file could not be downloaded from any of the %u servers "
                               "that have it. The last one failed: %s Check the internet "
                               "connection and try again later.", n),
                     n, reason->message);
      return FALSE;
    }
  g_debug ("%s: continuing on %s at byte %" G_GUINT64_FORMAT, self->file_name,
           (const char *) g_ptr_array_index (self->urls, next), job->offset);
  job_set_mirror (job, next);
  job->head_done = FALSE;
  job->no_range = FALSE;
  job->confirm_end = FALSE;
  job_set_state (job, UB_DOWNLOAD_STATE_RETRYING);
  return TRUE;
}

static gboolean
job_transfer (Job     *job,
              GError **error)
{
  UbDownload *self = job->self;
  guint failures = 0;
  guint delay_ms = self->first_delay_ms;

  if (self->expected_size > 0)
    {
      g_autoptr(GError) local = NULL;
      AttemptResult result = job_learned_size (job, self->expected_size, &local);

      if (result != ATTEMPT_DONE)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (job->already_present)
        return TRUE;
    }

  for (;;)
    {
      g_autoptr(GCancellable) cancellable = NULL;
      g_autoptr(GError) local = NULL;
      guint64 before = job->offset;
      AttemptResult result;

      if (!wait_while_paused (job))
        {
          set_cancelled_error (job, error);
          return FALSE;
        }
      g_mutex_lock (&self->mutex);
      if (!self->paused)
        self->attempt_cancellable = cancellable = g_cancellable_new ();
      g_mutex_unlock (&self->mutex);
      if (cancellable == NULL)
        continue;   /* paused again meanwhile */

      result = attempt (job, cancellable, &local);

      g_mutex_lock (&self->mutex);
      self->attempt_cancellable = NULL;
      g_mutex_unlock (&self->mutex);

      if (result == ATTEMPT_DONE)
        return TRUE;
      if (user_cancelled (job))
        {
          set_cancelled_error (job, error);
          return FALSE;
        }
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        continue;   /* paused */
      if (result == ATTEMPT_FATAL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (result == ATTEMPT_LEAVE)
        {
          if (!job_leave_mirror (job, local, error))
            return FALSE;
          failures = 0;
          delay_ms = self->first_delay_ms;
          continue;
        }
      if (job->offset > before)
        {
          failures = 0;
          delay_ms = self->first_delay_ms;
        }
      if (job->confirm_end)
        {
          job->confirm_end = FALSE;
          if (failures == 0)
            continue;   /* at once: most likely the file is complete */
        }
      /* while other mirrors wait, a flaky one gets fewer chances */
      if (++failures > (job_has_untried_mirror (job) ? MIN (self->max_retries, MIRROR_RETRIES)
                                                     : self->max_retries) &&
          self->mirrors)
        {
          g_autoptr(GError) reason = NULL;

          reason = g_error_new (UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                                /* TRANSLATORS: a server's name, how many times, the last reason */
                                ngettext ("%s failed %u time in a row (%s).",
                                          "%s failed %u times in a row (%s).", failures),
                                job_host (job), failures, local->message);
          if (!job_leave_mirror (job, reason, error))
            return FALSE;
          failures = 0;
          delay_ms = self->first_delay_ms;
          continue;
        }
      if (failures > self->max_retries)
        {
          g_autofree char *size = g_format_size (job->offset);
          const char *host = job_host (job);

          if (job->offset > 0)
            g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                         /* TRANSLATORS: the server's name, how many times, the last
                          * reason; then the size downloaded so far and a file name */
                         ngettext ("The download from %s failed %u time in a row (%s). The %s "
                                   "downloaded so far was kept in %s; check the internet "
                                   "connection, then start the same download again to continue.",
                                   "The download from %s failed %u times in a row (%s). The %s "
                                   "downloaded so far was kept in %s; check the internet "
                                   "connection, then start the same download again to continue.",
                                   failures),
                         host, failures, local->message, size, self->part_path);
          else
            g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                         /* TRANSLATORS: the server's name, how many times, the last reason */
                         ngettext ("The download from %s failed %u time in a row (%s). Check "
                                   "the internet connection and try again.",
                                   "The download from %s failed %u times in a row (%s). Check "
                                   "the internet connection and try again.", failures),
                         host, failures, local->message);
          return FALSE;
        }
      g_debug ("%s: attempt failed (%s); trying again in %u ms", self->file_name,
               local->message, delay_ms);
      wait_before_retry (job, delay_ms);
      delay_ms = MIN (delay_ms * 2, MAX_DELAY_MS);
    }
}

/* What @md5 should have been (the name's prefix or the expected MD5), or NULL when it fits both. */
static const char *
md5_mismatch (UbDownload *self,
              const char *md5)
{
  if (self->name_md5 != NULL && !g_str_has_prefix (md5, self->name_md5))
    return self->name_md5;
  if (self->expected_md5 != NULL && !g_str_equal (md5, self->expected_md5))
    return self->expected_md5;
  return NULL;
}

/* Checks the MD5s of a complete .part and gives it its final name. */
static gboolean
job_finish (Job     *job,
            char   **md5_out,
            GError **error)
{
  UbDownload *self = job->self;
  const char *md5 = job->checksum != NULL ? g_checksum_get_string (job->checksum) : NULL;
  const char *want = md5 != NULL ? md5_mismatch (self, md5) : NULL;

  if (want != NULL)
    {
      if (job->fd >= 0)
        close (job->fd);
      job->fd = -1;
      g_unlink (self->part_path);
      if (want == self->expected_md5)
        g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_CHECKSUM,
                     /* TRANSLATORS: %s: MD5 checksums (32 letters and digits) */
                     _("The download was damaged: its MD5 is %s, but it must be %s. "
                       "The damaged data was deleted; try the download again."), md5, want);
      else
        g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_CHECKSUM,
                     /* TRANSLATORS: %s: an MD5 checksum, then its first letters as the file name
                      * gives them */
                     _("The download was damaged: its MD5 is %s, but the file name says it "
                       "starts with %s. The damaged data was deleted; try the download again."),
                     md5, want);
      return FALSE;
    }

  if (job->fd < 0)
    job->fd = g_open (self->part_path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (job->fd < 0 || fsync (job->fd) < 0)
    {
      int errsv = errno;
      set_io_error (error, errsv, _("Could not write"), self->part_path);
      return FALSE;
    }
  fremovexattr (job->fd, RESUME_XATTR);
  if (close (job->fd) < 0)
    {
      int errsv = errno;
      job->fd = -1;
      set_io_error (error, errsv, _("Could not write"), self->part_path);
      return FALSE;
    }
  job->fd = -1;
  if (g_rename (self->part_path, self->final_path) < 0)
    {
      int errsv = errno;
      set_io_error (error, errsv, _("Could not rename"), self->part_path);
      return FALSE;
    }
  {
    int dir = g_open (self->dest_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (dir >= 0)
      {
        fsync (dir);
        close (dir);
      }
  }
  *md5_out = g_strdup (md5);
  return TRUE;
}

static gboolean
job_run (Job     *job,
         char   **md5_out,
         GError **error)
{
  UbDownload *self = job->self;
  struct stat st;

  if (g_mkdir_with_parents (self->dest_dir, 0755) < 0)
    {
      int errsv = errno;
      set_io_error (error, errsv, _("Could not create the folder"), self->dest_dir);
      return FALSE;
    }

  /* a finished file already here? */
  if (g_stat (self->final_path, &st) == 0 && S_ISREG (st.st_mode))
    {
      if (job->checksum != NULL)
        {
          guint64 size;
          const char *md5;

          if (!hash_file (job, self->final_path, &size, error))
            return FALSE;
          md5 = g_checksum_get_string (job->checksum);
          if (md5_mismatch (self, md5) == NULL)
            {
              job->already_present = TRUE;
              *md5_out = g_strdup (md5);
              return TRUE;
            }
          g_debug ("%s is damaged (MD5 %s); it is downloaded again", self->final_path, md5);
          job_reset_checksum (job);
        }
      else
        job->final_size = st.st_size;
    }

  /* resume what an earlier run left */
  if (g_stat (self->part_path, &st) == 0 && S_ISREG (st.st_mode))
    {
      job_load_validator (job);
      if (job->checksum != NULL)
        {
          if (!hash_file (job, self->part_path, &job->offset, error))
            return FALSE;
        }
      else
        job->offset = st.st_size;
      g_debug ("%s: resuming at byte %" G_GUINT64_FORMAT, self->file_name, job->offset);
    }

  if (!job_transfer (job, error))
    return FALSE;
  if (job->already_present)
    return TRUE;
  return job_finish (job, md5_out, error);
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  UbDownload *self = user_data;

  g_mutex_lock (&self->mutex);
  if (self->attempt_cancellable != NULL)
    g_cancellable_cancel (self->attempt_cancellable);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

/* Runs the whole download on the calling thread; posts "finished". */
static gboolean
run (UbDownload *self,
     GError    **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) local = NULL;
  g_autofree char *md5 = NULL;
  Job job = { 0 };
  gulong handler;
  gboolean ok, sync;

  /* libsoup binds a session to the thread-default context it was made in */
  g_main_context_push_thread_default (context);
  job.self = self;
  job.fd = -1;
  job.total = -1;
  job.final_size = -1;
  job.known_size = -1;
  job.head_mirror = -1;
  job.mirror_state = g_new0 (guint8, self->uris->len);
  job_set_mirror (&job, 0);
  job.state = UB_DOWNLOAD_STATE_IDLE;
  job.buffer = g_malloc (BUFFER_SIZE);
  if (ub_download_has_md5_check (self))
    job.checksum = g_checksum_new (G_CHECKSUM_MD5);
  job.session = soup_session_new_with_options ("user-agent", "Unbrick/" PACKAGE_VERSION,
                                               "timeout", self->stall_seconds,
                                               NULL);
  /* the bytes on disk must be the bytes on the server */
  soup_session_remove_feature_by_type (job.session, SOUP_TYPE_CONTENT_DECODER);
  handler = g_cancellable_connect (self->cancellable, G_CALLBACK (on_cancelled), self, NULL);

  ok = job_run (&job, &md5, &local);

  g_cancellable_disconnect (self->cancellable, handler);
  if (job.fd >= 0)
    close (job.fd);
  if (!ok && job.offset == 0)
    {
      GStatBuf st;
      /* an empty .part is nothing to resume */
      if (g_stat (self->part_path, &st) == 0 && S_ISREG (st.st_mode) && st.st_size == 0)
        g_unlink (self->part_path);
    }
  g_object_unref (job.session);
  if (job.checksum != NULL)
    g_checksum_free (job.checksum);
  g_free (job.buffer);
  g_free (job.validator);
  g_free (job.mirror_state);
  g_main_context_pop_thread_default (context);

  g_mutex_lock (&self->mutex);
  sync = self->sync;
  self->running = FALSE;
  self->attempt_cancellable = NULL;
  g_mutex_unlock (&self->mutex);

  if (ok)
    ub_progress_finish (self->progress);
  post_event (self, EVENT_FINISHED,
              g_variant_new ("(bm@(sis)msb)", ok && job.already_present,
                             local != NULL ? ub_progress_error_to_variant (local) : NULL,
                             ok ? md5 : NULL, !sync));

  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local));
  return ok;
}

static gboolean
prepare_run (UbDownload   *self,
             GCancellable *cancellable,
             gboolean      sync)
{
  g_mutex_lock (&self->mutex);
  if (self->running)
    {
      g_mutex_unlock (&self->mutex);
      g_critical ("ub_download: already running");
      return FALSE;
    }
  self->running = TRUE;
  self->paused = FALSE;
  g_clear_object (&self->cancellable);
  self->cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();
  self->sync = sync;
  g_mutex_unlock (&self->mutex);
  self->already_present = FALSE;
  g_clear_pointer (&self->md5, g_free);
  return TRUE;
}

static gpointer
run_thread (gpointer user_data)
{
  /* its reference on self goes when the finished event is delivered */
  run (user_data, NULL);
  return NULL;
}

void
ub_download_start (UbDownload   *self,
                   GCancellable *cancellable)
{
  g_return_if_fail (UB_IS_DOWNLOAD (self));

  if (!prepare_run (self, cancellable, FALSE))
    return;
  g_thread_unref (g_thread_new ("ub-download", run_thread, g_object_ref (self)));
}

gboolean
ub_download_run_sync (UbDownload   *self,
                      GCancellable *cancellable,
                      GError      **error)
{
  g_return_val_if_fail (UB_IS_DOWNLOAD (self), FALSE);

  if (!prepare_run (self, cancellable, TRUE))
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_FAILED, "already running");
      return FALSE;
    }
  return run (self, error);
}

void
ub_download_pause (UbDownload *self)
{
  g_return_if_fail (UB_IS_DOWNLOAD (self));

  g_mutex_lock (&self->mutex);
  if (self->running && !self->paused)
    {
      self->paused = TRUE;
      if (self->attempt_cancellable != NULL)
        g_cancellable_cancel (self->attempt_cancellable);
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->mutex);
}

void
ub_download_resume (UbDownload *self)
{
  g_return_if_fail (UB_IS_DOWNLOAD (self));

  g_mutex_lock (&self->mutex);
  self->paused = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

gboolean
ub_download_is_paused (UbDownload *self)
{
  gboolean paused;

  g_return_val_if_fail (UB_IS_DOWNLOAD (self), FALSE);
  g_mutex_lock (&self->mutex);
  paused = self->paused;
  g_mutex_unlock (&self->mutex);
  return paused;
}
