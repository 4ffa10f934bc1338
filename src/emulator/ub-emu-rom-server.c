/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The demo mode's ROM catalog server: the demo ROM packed as real .tgz files
 * and a catalog in the real sources' formats, served over HTTP on 127.0.0.1.
 * See ub-emu-rom-server.h.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <unistd.h>

#include "ub-emu-demo-rom.h"
#include "ub-emu-rom-server.h"
#include "ub-file.h"

#define DEMO_PRODUCT "alioth"
#define DEMO_DATE "2023-08-15"
#define DEMO_DATE_DIGITS "20230815"
#define DEMO_ANDROID "13.0"
/* 2023-08-15 00:00 UTC: the archive entries' time, so the content does not depend on today */
#define DEMO_MTIME 1692057600

/* One served ROM file. */
typedef struct {
  const char  *codename;     /* catalog codename: "alioth_global" */
  const char  *region_word;  /* the file name's region word: "global" */
  const char  *region_key;   /* HyperData's "region": "global", "eea" */
  const char  *version;
  const char  *model;        /* the catalog's name: "POCO F3 Global" */
  const char  *branch_name;  /* HyperData's branch name */
  const char  *tag;          /* HyperData's tag: build region + edition */
  char        *file_name;
  char        *path;
  char        *md5;
  GBytes      *bytes;        /* the mapped file */
  GMappedFile *mapped;
} ServedRom;

struct _UbEmuRomServer
{
  GObject       parent_instance;

  char         *dir;
  ServedRom     roms[2];
  GBytes       *latest;      /* latest.yml */
  GBytes       *history;     /* history/alioth.json */
  char         *base_url;
  char         *catalog_url;
  char         *history_url;

  GMainContext *context;     /* the server's thread */
  GMainLoop    *loop;
  GThread      *thread;
  SoupServer   *server;

  GMutex        lock;        /* guards counts and extra */
  GHashTable   *counts;      /* path → GUINT_TO_POINTER (requests) */
  GHashTable   *extra;       /* "/<version>/<name>" → ExtraFile, add_file() */
};

/* A file add_file() serves: its bytes (mapped) and their ETag, made once. */
typedef struct {
  GBytes *bytes;
  char   *etag;
} ExtraFile;

static void
extra_file_free (ExtraFile *extra)
{
  g_bytes_unref (extra->bytes);
  g_free (extra->etag);
  g_free (extra);
}

G_DEFINE_FINAL_TYPE (UbEmuRomServer, ub_emu_rom_server, G_TYPE_OBJECT)

/* ---- packing ------------------------------------------------------------- */

typedef struct {
  int        fd;
  GChecksum *md5;
  guint64    size;
  GError    *error;
} Sink;

static la_ssize_t
sink_write (struct archive *a,
            void           *user_data,
            const void     *buffer,
            size_t          length)
{
  Sink *sink = user_data;
  const guint8 *p = buffer;
  size_t left = length;

  while (left > 0)
    {
      ssize_t n = write (sink->fd, p, left);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          if (sink->error == NULL)
            g_set_error (&sink->error, G_IO_ERROR, g_io_error_from_errno (errsv),
                         "Cannot write the demo ROM archive: %s", g_strerror (errsv));
          archive_set_error (a, errsv, "%s", g_strerror (errsv));
          return -1;
        }
      p += n;
      left -= n;
    }
  g_checksum_update (sink->md5, buffer, length);
  sink->size += length;
  return length;
}

static gboolean
archive_failed (struct archive *a,
                Sink           *sink,
                GError        **error)
{
  if (sink->error != NULL)
    g_propagate_error (error, g_steal_pointer (&sink->error));
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot pack the demo ROM: %s",
                 archive_error_string (a) != NULL ? archive_error_string (a) : "unknown error");
  return FALSE;
}

static gboolean
add_entry (struct archive *a,
           Sink           *sink,
           const char     *name,
           mode_t          type,
           const void     *data,
           gsize           size,
           const char     *source,
           GError        **error)
{
  struct archive_entry *entry = archive_entry_new ();
  gboolean ok = TRUE;

  archive_entry_set_pathname (entry, name);
  archive_entry_set_filetype (entry, type);
  archive_entry_set_perm (entry, type == AE_IFDIR ? 0755 : 0644);
  archive_entry_set_size (entry, type == AE_IFDIR ? 0 : (la_int64_t) size);
  archive_entry_set_mtime (entry, DEMO_MTIME, 0);
  if (archive_write_header (a, entry) != ARCHIVE_OK)
    ok = archive_failed (a, sink, error);
  else if (data != NULL && size > 0 && archive_write_data (a, data, size) != (la_ssize_t) size)
    ok = archive_failed (a, sink, error);
  else if (source != NULL)
    {
      g_autofree guint8 *buffer = g_malloc (1024 * 1024);
      int fd = g_open (source, O_RDONLY | O_CLOEXEC, 0);
      ssize_t n;

      if (fd < 0)
        {
          int errsv = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "Cannot read %s: %s",
                       source, g_strerror (errsv));
          archive_entry_free (entry);
          return FALSE;
        }
      while (ok && (n = read (fd, buffer, 1024 * 1024)) != 0)
        {
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            {
              int errsv = errno;
              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "Cannot read %s: %s",
                           source, g_strerror (errsv));
              ok = FALSE;
            }
          else if (archive_write_data (a, buffer, n) != n)
            ok = archive_failed (a, sink, error);
        }
      close (fd);
    }
  archive_entry_free (entry);
  return ok;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The folder @path as @name (and everything in it, sorted); misc.txt replaced by @misc. */
static gboolean
add_tree (struct archive *a,
          Sink           *sink,
          const char     *path,
          const char     *name,
          const char     *misc,
          GError        **error)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, error);
  g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *dir_name = g_strconcat (name, "/", NULL);
  const char *child;

  if (dir == NULL)
    return FALSE;
  if (!add_entry (a, sink, dir_name, AE_IFDIR, NULL, 0, NULL, error))
    return FALSE;
  while ((child = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (children, g_strdup (child));
  g_ptr_array_sort (children, compare_strings);
  for (guint i = 0; i < children->len; i++)
    {
      const char *base = children->pdata[i];
      g_autofree char *child_path = g_build_filename (path, base, NULL);
      g_autofree char *child_name = g_strconcat (name, "/", base, NULL);
      GStatBuf st;

      if (g_lstat (child_path, &st) != 0)
        {
          int errsv = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "Cannot read %s: %s",
                       child_path, g_strerror (errsv));
          return FALSE;
        }
      if (S_ISDIR (st.st_mode))
        {
          if (!add_tree (a, sink, child_path, child_name, NULL, error))
            return FALSE;
        }
      else if (misc != NULL && g_str_equal (base, "misc.txt"))
        {
          if (!add_entry (a, sink, child_name, AE_IFREG, misc, strlen (misc), NULL, error))
            return FALSE;
        }
      else if (S_ISREG (st.st_mode))
        {
          if (!add_entry (a, sink, child_name, AE_IFREG, NULL, st.st_size, child_path, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* Packs the ROM folder @rom as a .tgz whose top folder is @top into @dest; its MD5 and size. */
static gboolean
pack_rom (const char  *rom,
          const char  *top,
          const char  *misc,
          const char  *dest,
          char       **md5,
          guint64     *size,
          GError     **error)
{
  struct archive *a = archive_write_new ();
  Sink sink = { -1, g_checksum_new (G_CHECKSUM_MD5), 0, NULL };
  gboolean ok = FALSE;

  sink.fd = g_open (dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (sink.fd < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "Cannot create %s: %s",
                   dest, g_strerror (errsv));
      goto out;
    }
  /* ustar, gzip: what Xiaomi's .tgz files are; the fastest level keeps the demo's start short */
  if (archive_write_set_format_ustar (a) != ARCHIVE_OK ||
      archive_write_add_filter_gzip (a) != ARCHIVE_OK ||
      archive_write_set_filter_option (a, "gzip", "compression-level", "1") != ARCHIVE_OK ||
      /* no time in the gzip header: the same ROM packs to the same bytes (and name) each time */
      archive_write_set_filter_option (a, "gzip", "timestamp", NULL) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block (a, 1) != ARCHIVE_OK ||
      archive_write_open2 (a, &sink, NULL, sink_write, NULL, NULL) != ARCHIVE_OK)
    {
      archive_failed (a, &sink, error);
      goto out;
    }
  if (!add_tree (a, &sink, rom, top, misc, error))
    goto out;
  if (archive_write_close (a) != ARCHIVE_OK)
    {
      archive_failed (a, &sink, error);
      goto out;
    }
  if (close (sink.fd) != 0)
    {
      int errsv = errno;
      sink.fd = -1;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "Cannot write %s: %s",
                   dest, g_strerror (errsv));
      goto out;
    }
  sink.fd = -1;
  *md5 = g_strdup (g_checksum_get_string (sink.md5));
  *size = sink.size;
  ok = TRUE;

out:
  archive_write_free (a);
  if (sink.fd >= 0)
    close (sink.fd);
  if (!ok)
    g_unlink (dest);
  g_clear_error (&sink.error);
  g_checksum_free (sink.md5);
  return ok;
}

/* ---- the catalog --------------------------------------------------------- */

/* The catalog's approximate size ("98.3 MB"), as XiaomiFirmwareUpdater writes it. */
static char *
size_text (guint64 size)
{
  if (size >= 1000 * 1000 * 1000)
    return g_strdup_printf ("%.1f GB", size / 1e9);
  return g_strdup_printf ("%.1f MB", size / 1e6);
}

static GBytes *
build_latest (UbEmuRomServer *self)
{
  GString *yml = g_string_new ("# Unbrick's demo catalog, in XiaomiFirmwareUpdater's latest.yml format\n");

  for (gsize i = 0; i < G_N_ELEMENTS (self->roms); i++)
    {
      ServedRom *rom = &self->roms[i];
      g_autofree char *size = g_bytes_get_size (rom->bytes) > 0
                              ? size_text (g_bytes_get_size (rom->bytes)) : NULL;

      g_string_append_printf (yml,
                              "- android: '" DEMO_ANDROID "'\n"
                              "  branch: Stable\n"
                              "  codename: %s\n"
                              "  date: " DEMO_DATE "\n"
                              "  link: %s/%s/%s\n"
                              "  md5: %s\n"
                              "  method: Fastboot\n"
                              "  name: %s\n"
                              "  size: %s\n"
                              "  version: %s\n",
                              rom->codename, self->base_url, rom->version, rom->file_name,
                              rom->md5, rom->model, size, rom->version);
    }
  /* another phone: never offered for alioth, and not served */
  g_string_append (yml,
                   "- android: '16.0'\n"
                   "  branch: Stable\n"
                   "  codename: houji_global\n"
                   "  date: 2026-07-20\n"
                   "  link: https://bkt-sgp-miui-ota-update-alisgp.oss-ap-southeast-1.aliyuncs.com/"
                   "OS3.0.303.0.WNCMIXM/houji_global_images_OS3.0.303.0.WNCMIXM_20260720.0000.00_16.0_"
                   "global_e67bb2459e.tgz\n"
                   "  md5: e67bb2459e6044a5021dbe493abed082\n"
                   "  method: Fastboot\n"
                   "  name: Xiaomi 14 Global\n"
                   "  size: 8.8 GB\n"
                   "  version: OS3.0.303.0.WNCMIXM\n");
  return g_string_free_to_bytes (yml);
}

static GBytes *
build_history (UbEmuRomServer *self)
{
  GString *json = g_string_new ("{\n"
                                "\t\"device\": \"" DEMO_PRODUCT "\",\n"
                                "\t\"name\": {\"zh\": \"Redmi K40\", \"en\": \"POCO F3\"},\n"
                                "\t\"code\": \"KH\",\n"
                                "\t\"supports\": [\"MIUI14\"],\n"
                                "\t\"android\": [\"" DEMO_ANDROID "\"],\n"
                                "\t\"type\": \"phone\",\n"
                                "\t\"miui\": \"yes\",\n"
                                "\t\"merged\": \"no\",\n"
                                "\t\"branches\": [\n");

  for (gsize i = 0; i < G_N_ELEMENTS (self->roms); i++)
    {
      ServedRom *rom = &self->roms[i];

      g_string_append_printf (json,
                              "\t\t{\n"
                              "\t\t\t\"name\": {\"zh\": \"%s\", \"en\": \"%s\"},\n"
                              "\t\t\t\"branchCode\": \"%s\",\n"
                              "\t\t\t\"brand\": \"POCO\",\n"
                              "\t\t\t\"device\": {\"zh\": \"POCO F3\", \"en\": \"POCO F3\"},\n"
                              "\t\t\t\"tag\": \"%s\",\n"
                              "\t\t\t\"branchtag\": \"F\",\n"
                              "\t\t\t\"table\": [\"os\", \"android\", \"release\", \"aspatch\", "
                              "\"recovery\", \"fastboot\"],\n"
                              "\t\t\t\"show\": \"1\",\n"
                              "\t\t\t\"carrier\": [\"\"],\n"
                              "\t\t\t\"region\": \"%s\",\n"
                              "\t\t\t\"zone\": \"2\",\n"
                              "\t\t\t\"ep\": \"0\",\n"
                              "\t\t\t\"roms\": {\n"
                              "\t\t\t\t\"%s\": {\n"
                              "\t\t\t\t\t\"os\": \"%s\",\n"
                              "\t\t\t\t\t\"android\": \"" DEMO_ANDROID "\",\n"
                              "\t\t\t\t\t\"release\": \"" DEMO_DATE "\",\n"
                              "\t\t\t\t\t\"aspatch\": \"2023-08-01\",\n"
                              "\t\t\t\t\t\"recovery\": \"\",\n"
                              "\t\t\t\t\t\"fastboot\": \"%s\"\n"
                              "\t\t\t\t}\n"
                              "\t\t\t}\n"
                              "\t\t}%s\n",
                              rom->branch_name, rom->branch_name, rom->codename, rom->tag,
                              rom->region_key, rom->version, rom->version, rom->file_name,
                              i + 1 < G_N_ELEMENTS (self->roms) ? "," : "");
    }
  g_string_append (json, "\t]\n}\n");
  return g_string_free_to_bytes (json);
}

/* ---- serving ------------------------------------------------------------- */

static void
set_status (SoupServerMessage *msg,
            guint              status)
{
  soup_server_message_set_status (msg, status, NULL);
  if (status >= 400)
    soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "", 0);
}

/* @bytes with an ETag (If-None-Match → 304) and a single byte range (If-Range honoured). */
static void
serve_bytes (SoupServerMessage *msg,
             GBytes            *bytes,
             const char        *content_type,
             const char        *etag)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  gsize total = g_bytes_get_size (bytes);
  const char *if_none_match = soup_message_headers_get_one (request, "If-None-Match");
  const char *if_range = soup_message_headers_get_one (request, "If-Range");
  SoupRange *ranges = NULL;
  int n_ranges = 0;

  soup_message_headers_replace (response, "ETag", etag);
  soup_message_headers_replace (response, "Accept-Ranges", "bytes");
  soup_message_headers_replace (response, "Last-Modified", "Tue, 15 Aug 2023 00:00:00 GMT");
  if (if_none_match != NULL && g_str_equal (if_none_match, etag))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
      return;
    }
  soup_message_headers_set_content_type (response, content_type, NULL);
  if ((if_range == NULL || g_str_equal (if_range, etag)) &&
      soup_message_headers_get_ranges (request, total, &ranges, &n_ranges))
    {
      goffset start = ranges[0].start;
      goffset end = ranges[0].end;

      soup_message_headers_free_ranges (request, ranges);
      if (n_ranges == 1)
        {
          if (start < 0 || (gsize) start >= total || end < start)
            {
              g_autofree char *range = g_strdup_printf ("bytes */%" G_GSIZE_FORMAT, total);
              soup_message_headers_replace (response, "Content-Range", range);
              set_status (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE);
              return;
            }
          end = MIN ((gsize) end, total - 1);
          {
            g_autoptr(GBytes) part = g_bytes_new_from_bytes (bytes, start, end - start + 1);
            soup_message_headers_set_content_range (response, start, end, total);
            soup_message_body_append_bytes (body, part);
            soup_message_body_complete (body);
            soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
            return;
          }
        }
      /* several ranges: the whole file */
    }
  soup_message_body_append_bytes (body, bytes);
  soup_message_body_complete (body);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

static char *
etag_for (GBytes *bytes)
{
  g_autofree char *md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, bytes);

  return g_strdup_printf ("\"%.16s\"", md5);
}

static void
handle_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  UbEmuRomServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);

  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->counts, g_strdup (path),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, path)) + 1));
  g_mutex_unlock (&self->lock);

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET, HEAD");
      set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED);
      return;
    }
  if (g_str_equal (path, "/latest.yml"))
    {
      g_autofree char *etag = etag_for (self->latest);
      serve_bytes (msg, self->latest, "text/yaml; charset=utf-8", etag);
      return;
    }
  if (g_str_equal (path, "/history/" DEMO_PRODUCT ".json"))
    {
      g_autofree char *etag = etag_for (self->history);
      serve_bytes (msg, self->history, "application/json", etag);
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (self->roms); i++)
    {
      ServedRom *rom = &self->roms[i];
      g_autofree char *rom_path = g_strdup_printf ("/%s/%s", rom->version, rom->file_name);

      if (g_str_equal (path, rom_path))
        {
          g_autofree char *etag = g_strdup_printf ("\"%.16s\"", rom->md5);
          serve_bytes (msg, rom->bytes, "application/gzip", etag);
          return;
        }
    }
  {
    g_autoptr(GBytes) bytes = NULL;
    g_autofree char *etag = NULL;
    ExtraFile *extra;

    g_mutex_lock (&self->lock);
    extra = g_hash_table_lookup (self->extra, path);
    if (extra != NULL)
      {
        bytes = g_bytes_ref (extra->bytes);
        etag = g_strdup (extra->etag);
      }
    g_mutex_unlock (&self->lock);
    if (bytes != NULL)
      {
        serve_bytes (msg, bytes, "application/zip", etag);
        return;
      }
  }
  set_status (msg, SOUP_STATUS_NOT_FOUND);
}

static gpointer
server_thread (gpointer user_data)
{
  UbEmuRomServer *self = user_data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static gboolean
start_server (UbEmuRomServer  *self,
              GError         **error)
{
  g_autoslist(GUri) uris = NULL;
  gboolean ok;

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  /* the listener's sources go to the server thread's context */
  g_main_context_push_thread_default (self->context);
  self->server = soup_server_new ("server-header", "unbrick-demo ", NULL);
  soup_server_add_handler (self->server, NULL, handle_request, self, NULL);
  ok = soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, error);
  g_main_context_pop_thread_default (self->context);
  if (!ok)
    return FALSE;
  uris = soup_server_get_uris (self->server);
  self->base_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  self->catalog_url = g_strconcat (self->base_url, "/latest.yml", NULL);
  self->history_url = g_strconcat (self->base_url, "/history/", NULL);
  self->thread = g_thread_new ("unbrick-demo-roms", server_thread, self);
  return TRUE;
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
stop_server (UbEmuRomServer *self)
{
  if (self->thread != NULL)
    {
      /* from inside the loop: a quit before the thread has entered g_main_loop_run() is lost */
      GSource *source = g_idle_source_new ();

      g_source_set_callback (source, quit_loop, self->loop, NULL);
      g_source_attach (source, self->context);
      g_source_unref (source);
      g_thread_join (g_steal_pointer (&self->thread));
    }
  if (self->server != NULL)
    {
      g_main_context_push_thread_default (self->context);
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
      /* the closed connections' last sources */
      while (g_main_context_iteration (self->context, FALSE))
        ;
      g_main_context_pop_thread_default (self->context);
    }
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
}

/* ---- object -------------------------------------------------------------- */

static void
ub_emu_rom_server_dispose (GObject *object)
{
  UbEmuRomServer *self = UB_EMU_ROM_SERVER (object);

  stop_server (self);
  G_OBJECT_CLASS (ub_emu_rom_server_parent_class)->dispose (object);
}

static void
ub_emu_rom_server_finalize (GObject *object)
{
  UbEmuRomServer *self = UB_EMU_ROM_SERVER (object);

  for (gsize i = 0; i < G_N_ELEMENTS (self->roms); i++)
    {
      g_free (self->roms[i].file_name);
      g_free (self->roms[i].path);
      g_free (self->roms[i].md5);
      g_clear_pointer (&self->roms[i].bytes, g_bytes_unref);
      g_clear_pointer (&self->roms[i].mapped, g_mapped_file_unref);
    }
  g_clear_pointer (&self->latest, g_bytes_unref);
  g_clear_pointer (&self->history, g_bytes_unref);
  g_clear_pointer (&self->counts, g_hash_table_unref);
  g_clear_pointer (&self->extra, g_hash_table_unref);
  g_mutex_clear (&self->lock);
  g_free (self->dir);
  g_free (self->base_url);
  g_free (self->catalog_url);
  g_free (self->history_url);

  G_OBJECT_CLASS (ub_emu_rom_server_parent_class)->finalize (object);
}

static void
ub_emu_rom_server_class_init (UbEmuRomServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ub_emu_rom_server_dispose;
  G_OBJECT_CLASS (klass)->finalize = ub_emu_rom_server_finalize;
}

static void
ub_emu_rom_server_init (UbEmuRomServer *self)
{
  g_mutex_init (&self->lock);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->extra = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) extra_file_free);
  self->roms[0] = (ServedRom) {
    DEMO_PRODUCT "_global", "global", "global", UB_EMU_ROM_SERVER_GLOBAL_VERSION,
    "POCO F3 Global", "Xiaomi MIUI Global Stable", "MIXM",
  };
  self->roms[1] = (ServedRom) {
    DEMO_PRODUCT "_eea_global", "eea", "eea", UB_EMU_ROM_SERVER_EEA_VERSION,
    "POCO F3 EEA", "Xiaomi MIUI Europe EEA Stable", "EUXM",
  };
}

/* Packs @rom_dir as @rom's file in @dir and maps it. */
static gboolean
make_rom_file (UbEmuRomServer  *self,
               ServedRom       *rom,
               const char      *rom_dir,
               GError         **error)
{
  g_autofree char *top = g_strdup_printf ("%s_images_%s_" DEMO_ANDROID, rom->codename, rom->version);
  g_autofree char *misc = g_strdup_printf ("device=" DEMO_PRODUCT "\nbuild_number=%s\n"
                                           "userdata_version=" DEMO_DATE_DIGITS ".0000.00\n",
                                           rom->version);
  g_autofree char *tmp = g_strdup_printf ("%s/%s.tgz.tmp", self->dir, rom->codename);
  g_autofree char *stem = g_strdup_printf ("%s_images_%s_" DEMO_DATE_DIGITS ".0000.00_"
                                           DEMO_ANDROID "_%s", rom->codename, rom->version,
                                           rom->region_word);
  guint64 size = 0;

  if (!pack_rom (rom_dir, top, misc, tmp, &rom->md5, &size, error))
    return FALSE;
  rom->file_name = g_strdup_printf ("%s_%.10s.tgz", stem, rom->md5);
  rom->path = g_build_filename (self->dir, rom->file_name, NULL);
  if (g_rename (tmp, rom->path) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "Cannot rename %s: %s",
                   tmp, g_strerror (errsv));
      g_unlink (tmp);
      return FALSE;
    }
  rom->mapped = g_mapped_file_new (rom->path, FALSE, error);
  if (rom->mapped == NULL)
    return FALSE;
  rom->bytes = g_mapped_file_get_bytes (rom->mapped);
  g_debug ("demo catalog: %s, %" G_GUINT64_FORMAT " bytes", rom->file_name, size);
  return TRUE;
}

UbEmuRomServer *
ub_emu_rom_server_new (const char  *dir,
                       GError     **error)
{
  g_autoptr(UbEmuRomServer) self = NULL;
  g_autofree char *work = NULL;
  g_autofree char *rom_dir = NULL;
  gint64 start = g_get_monotonic_time ();

  g_return_val_if_fail (dir != NULL, NULL);

  self = g_object_new (UB_TYPE_EMU_ROM_SERVER, NULL);
  self->dir = g_strdup (dir);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "Cannot create %s: %s",
                   dir, g_strerror (errsv));
      return NULL;
    }
  /* the demo ROM's folder, only while it is packed */
  work = g_build_filename (dir, "work", NULL);
  rom_dir = ub_emu_demo_rom_write (work, DEMO_PRODUCT, error);
  if (rom_dir == NULL)
    {
      ub_file_remove_tree (work, NULL);
      return NULL;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (self->roms); i++)
    if (!make_rom_file (self, &self->roms[i], rom_dir, error))
      {
        ub_file_remove_tree (work, NULL);
        return NULL;
      }
  ub_file_remove_tree (work, NULL);
  if (!start_server (self, error))
    return NULL;
  self->latest = build_latest (self);
  self->history = build_history (self);
  g_debug ("demo catalog at %s, ready in %.1f s", self->base_url,
           (g_get_monotonic_time () - start) / 1e6);
  return g_steal_pointer (&self);
}

const char *
ub_emu_rom_server_get_base_url (UbEmuRomServer *self)
{
  g_return_val_if_fail (UB_IS_EMU_ROM_SERVER (self), NULL);
  return self->base_url;
}

const char *
ub_emu_rom_server_get_catalog_url (UbEmuRomServer *self)
{
  g_return_val_if_fail (UB_IS_EMU_ROM_SERVER (self), NULL);
  return self->catalog_url;
}

const char *
ub_emu_rom_server_get_history_url (UbEmuRomServer *self)
{
  g_return_val_if_fail (UB_IS_EMU_ROM_SERVER (self), NULL);
  return self->history_url;
}

const char *
ub_emu_rom_server_get_file_path (UbEmuRomServer *self,
                                 const char     *version)
{
  g_return_val_if_fail (UB_IS_EMU_ROM_SERVER (self), NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (self->roms); i++)
    if (g_strcmp0 (version, self->roms[i].version) == 0)
      return self->roms[i].path;
  return NULL;
}

gboolean
ub_emu_rom_server_add_file (UbEmuRomServer  *self,
                            const char      *version,
                            const char      *path,
                            GError         **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autofree char *name = NULL;
  g_autofree char *url_path = NULL;
  ExtraFile *extra;

  g_return_val_if_fail (UB_IS_EMU_ROM_SERVER (self), FALSE);

  mapped = g_mapped_file_new (path, FALSE, error);
  if (mapped == NULL)
    return FALSE;
  name = g_path_get_basename (path);
  url_path = g_strdup_printf ("/%s/%s", version, name);
  extra = g_new0 (ExtraFile, 1);
  /* the bytes keep the mapping; the ETag is hashed here, not on every request */
  extra->bytes = g_mapped_file_get_bytes (mapped);
  extra->etag = etag_for (extra->bytes);
  g_mutex_lock (&self->lock);
  g_hash_table_replace (self->extra, g_steal_pointer (&url_path), extra);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

guint
ub_emu_rom_server_get_request_count (UbEmuRomServer *self,
                                     const char     *path)
{
  guint count;

  g_return_val_if_fail (UB_IS_EMU_ROM_SERVER (self), 0);

  g_mutex_lock (&self->lock);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, path));
  g_mutex_unlock (&self->lock);
  return count;
}
