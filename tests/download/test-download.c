/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UbDownload against a SoupServer on its own thread that can drop connections,
 * stall, ignore Range, answer the wrong range or change the file. */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ub-download.h"
#include "ub-enum-nick.h"
#include "ub-online-error.h"

#include "ub-test-utils.h"

#define KiB 1024
#define MiB (1024 * 1024)
#define SERVER_CHUNK (64 * KiB)

/* ---- the test server */

/* A certificate for 127.0.0.1 that no system trusts, with its key (made for these tests). */
#define SELF_SIGNED_PEM \
  "-----BEGIN CERTIFICATE-----\n" \
  "MIIBkDCCATagAwIBAgIUMnn8hZbIFJTjYSCy9ReC1S6VdP8wCgYIKoZIzj0EAwIw\n" \
  "FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTIwNzAxMzc1NFoYDzIxMjYxMTEz\n" \
  "MDEzNzU0WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO\n" \
  "PQMBBwNCAAT/rZ0ZS44+ETOcWlbAfsTR26CfhwDn67DRLhAcAihbfMPHHeKjWBrI\n" \
  "VmcM5GCjjec3Tmsn4B+5eKDH6vHTVrqVo2QwYjAdBgNVHQ4EFgQU2w2HCdGOSmCs\n" \
  "t6ZrAh9Ht/v+/EEwHwYDVR0jBBgwFoAU2w2HCdGOSmCst6ZrAh9Ht/v+/EEwDwYD\n" \
  "VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC\n" \
  "IQC6LMh5wC7PJoOU4ES6cMFooVQQxxNYOi4nN+Oz2xr5lgIgZrUDdh/XzMm/aA2q\n" \
  "7Xa7zoVxPDA99D+dteFLm7Kmp6Y=\n" \
  "-----END CERTIFICATE-----\n" \
  "-----BEGIN PRIVATE KEY-----\n" \
  "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgTHqWS7yJpcAYBBrW\n" \
  "BUq7Vn/cB7/8malr8ww2LqDLolKhRANCAAT/rZ0ZS44+ETOcWlbAfsTR26CfhwDn\n" \
  "67DRLhAcAihbfMPHHeKjWBrIVmcM5GCjjec3Tmsn4B+5eKDH6vHTVrqV\n" \
  "-----END PRIVATE KEY-----\n"

typedef struct {
  /* behaviour; change only under lock */
  GBytes     *content;
  char       *etag;           /* sent as ETag when set */
  gboolean    honour_range;
  gboolean    chunked;        /* no Content-Length */
  gint64      drop_at;        /* shut the connection down at this file offset... */
  guint       drop_times;     /* ...for this many responses */
  gint64      stall_at;       /* stop sending at this offset (first time only) */
  guint64     claim_length;   /* announce this Content-Length and send nothing */
  gint64      range_skew;     /* answer ranges starting this much too early */
  guint       chunk_delay_ms;
  guint       status;         /* answer this status with no body instead */
  char       *redirect_to;    /* Location for paths under /redirect/ */
  gboolean    tls;            /* https with a certificate no one trusts */
  guint64     head_length;    /* announce this Content-Length to HEAD instead */

  /* what happened */
  GMutex      lock;
  GCond       cond;
  guint       requests;
  GPtrArray  *methods;        /* method of each request */
  GPtrArray  *ranges;         /* Range header of each request, "" when none */
  GPtrArray  *if_ranges;
  GArray     *statuses;       /* status answered to each request */
  gboolean    stalled;

  /* the server thread */
  GThread    *thread;
  GMainContext *context;
  GMainLoop  *loop;
  SoupServer *server;
  char       *base;           /* "http://127.0.0.1:PORT" */
} Server;

typedef struct {
  Server  *srv;
  GBytes  *content;
  gsize    offset;
  gsize    end;
  gboolean dropped;
} Response;

static void write_next_chunk (SoupServerMessage *msg, Response *r);

typedef struct {
  SoupServerMessage *msg;
  Response          *r;
  gsize              length;
} DelayedChunk;

static void
append_chunk (SoupServerMessage *msg,
              Response          *r,
              gsize              length)
{
  g_autoptr(GBytes) piece = g_bytes_new_from_bytes (r->content, r->offset, length);

  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), piece);
  r->offset += length;
}

static gboolean
delayed_chunk (gpointer user_data)
{
  DelayedChunk *d = user_data;

  append_chunk (d->msg, d->r, d->length);
  soup_server_message_unpause (d->msg);
  return G_SOURCE_REMOVE;
}

static void
delayed_chunk_free (gpointer user_data)
{
  DelayedChunk *d = user_data;

  g_object_unref (d->msg);
  g_free (d);
}

static void
write_next_chunk (SoupServerMessage *msg,
                  Response          *r)
{
  Server *srv = r->srv;
  gsize length;
  guint delay;

  if (r->offset >= r->end)
    {
      soup_message_body_complete (soup_server_message_get_response_body (msg));
      return;
    }
  length = MIN (SERVER_CHUNK, r->end - r->offset);
  g_mutex_lock (&srv->lock);
  if (srv->drop_at >= 0 && !r->dropped && srv->drop_times > 0 && r->offset >= (gsize) srv->drop_at)
    {
      /* the client gets what was written so far, then end of stream */
      srv->drop_times--;
      r->dropped = TRUE;
      g_socket_shutdown (soup_server_message_get_socket (msg), FALSE, TRUE, NULL);
    }
  if (srv->stall_at >= 0 && !srv->stalled && r->offset >= (gsize) srv->stall_at)
    {
      /* append nothing: the server pauses the message until it goes away */
      srv->stalled = TRUE;
      g_cond_broadcast (&srv->cond);
      g_mutex_unlock (&srv->lock);
      return;
    }
  if (srv->drop_at >= 0 && srv->drop_times > 0 && !r->dropped && r->offset < (gsize) srv->drop_at)
    length = MIN (length, (gsize) srv->drop_at - r->offset);
  if (srv->stall_at >= 0 && !srv->stalled && r->offset < (gsize) srv->stall_at)
    length = MIN (length, (gsize) srv->stall_at - r->offset);
  delay = srv->chunk_delay_ms;
  g_mutex_unlock (&srv->lock);

  if (delay == 0)
    {
      append_chunk (msg, r, length);
      return;
    }
  {
    DelayedChunk *d = g_new0 (DelayedChunk, 1);
    GSource *source = g_timeout_source_new (delay);

    d->msg = g_object_ref (msg);
    d->r = r;
    d->length = length;
    g_source_set_callback (source, delayed_chunk, d, delayed_chunk_free);
    g_source_attach (source, srv->context);
    g_source_unref (source);
  }
}

static void
response_free (gpointer data)
{
  Response *r = data;

  g_bytes_unref (r->content);
  g_free (r);
}

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  Server *srv = user_data;
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *range = soup_message_headers_get_one (request, "Range");
  const char *if_range = soup_message_headers_get_one (request, "If-Range");
  Response *r = g_new0 (Response, 1);
  guint status = SOUP_STATUS_OK;
  gsize size;
  gint64 start = 0;

  g_mutex_lock (&srv->lock);
  srv->requests++;
  g_ptr_array_add (srv->methods, g_strdup (soup_server_message_get_method (msg)));
  g_ptr_array_add (srv->ranges, g_strdup (range ? range : ""));
  g_ptr_array_add (srv->if_ranges, g_strdup (if_range ? if_range : ""));
  r->srv = srv;
  r->content = g_bytes_ref (srv->content);
  size = g_bytes_get_size (r->content);
  r->end = size;

  if (srv->redirect_to != NULL && g_str_has_prefix (path, "/redirect/"))
    {
      status = SOUP_STATUS_FOUND;
      g_array_append_val (srv->statuses, status);
      soup_server_message_set_redirect (msg, status, srv->redirect_to);
      g_mutex_unlock (&srv->lock);
      response_free (r);
      return;
    }
  if (srv->status != 0)
    {
      status = srv->status;
      g_array_append_val (srv->statuses, status);
      g_mutex_unlock (&srv->lock);
      soup_server_message_set_status (msg, status, NULL);
      response_free (r);
      return;
    }
  if (srv->etag != NULL)
    soup_message_headers_replace (response, "ETag", srv->etag);
  if (srv->honour_range)
    soup_message_headers_replace (response, "Accept-Ranges", "bytes");
  if (soup_server_message_get_method (msg) == SOUP_METHOD_HEAD)
    {
      g_array_append_val (srv->statuses, status);
      soup_message_headers_set_content_length (response,
                                                srv->head_length > 0 ? srv->head_length :
                                                srv->claim_length > 0 ? srv->claim_length : size);
      g_mutex_unlock (&srv->lock);
      soup_server_message_set_status (msg, status, NULL);
      response_free (r);
      return;
    }
  if (srv->honour_range && range != NULL &&
      (if_range == NULL || g_strcmp0 (if_range, srv->etag) == 0) &&
      sscanf (range, "bytes=%" G_GINT64_FORMAT "-", &start) == 1)
    {
      if ((gsize) start >= size)
        {
          g_autofree char *value = g_strdup_printf ("bytes */%" G_GSIZE_FORMAT, size);
          status = SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE;
          g_array_append_val (srv->statuses, status);
          g_mutex_unlock (&srv->lock);
          soup_message_headers_replace (response, "Content-Range", value);
          soup_server_message_set_status (msg, status, NULL);
          response_free (r);
          return;
        }
      start = MAX (0, start - srv->range_skew);
      status = SOUP_STATUS_PARTIAL_CONTENT;
      r->offset = start;
      soup_message_headers_set_content_range (response, start, size - 1, size);
    }
  g_array_append_val (srv->statuses, status);
  soup_server_message_set_status (msg, status, NULL);
  if (srv->claim_length > 0)
    {
      soup_message_headers_set_content_length (response, srv->claim_length);
      r->end = r->offset;   /* nothing: the client must give up on the headers */
    }
  else if (srv->chunked)
    soup_message_headers_set_encoding (response, SOUP_ENCODING_CHUNKED);
  else
    soup_message_headers_set_content_length (response, r->end - r->offset);
  g_mutex_unlock (&srv->lock);

  /* the body is streamed, so SoupServer does no Range handling of its own */
  soup_message_headers_remove (request, "Range");
  g_object_set_data_full (G_OBJECT (msg), "response", r, response_free);
  g_signal_connect (msg, "wrote-headers", G_CALLBACK (write_next_chunk), r);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (write_next_chunk), r);
}

static gboolean
quit_server_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static gpointer
server_thread (gpointer user_data)
{
  Server *srv = user_data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (srv->context);
  if (srv->tls)
    {
      g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_pem (SELF_SIGNED_PEM, -1,
                                                                               &error);
      g_assert_no_error (error);
      srv->server = soup_server_new ("tls-certificate", certificate, NULL);
    }
  else
    srv->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (srv->server, NULL, handler, srv, NULL);
  g_assert_true (soup_server_listen_local (srv->server, 0,
                                           SOUP_SERVER_LISTEN_IPV4_ONLY |
                                           (srv->tls ? SOUP_SERVER_LISTEN_HTTPS : 0), &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (srv->server);
  g_mutex_lock (&srv->lock);
  srv->base = g_strdup_printf ("%s://127.0.0.1:%d", srv->tls ? "https" : "http",
                               g_uri_get_port (uris->data));
  g_cond_broadcast (&srv->cond);
  g_mutex_unlock (&srv->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (srv->loop);

  soup_server_disconnect (srv->server);
  g_clear_object (&srv->server);
  /* let the closed connections finish their messages */
  while (g_main_context_iteration (srv->context, FALSE))
    ;
  g_main_context_pop_thread_default (srv->context);
  return NULL;
}

static Server *
server_new_full (gsize    size,
                 gboolean tls)
{
  Server *srv = g_new0 (Server, 1);

  srv->tls = tls;
  g_mutex_init (&srv->lock);
  g_cond_init (&srv->cond);
  srv->content = ub_test_random_bytes (size, (guint32) size);
  srv->etag = g_strdup ("\"v1\"");
  srv->honour_range = TRUE;
  srv->drop_at = -1;
  srv->stall_at = -1;
  srv->methods = g_ptr_array_new_with_free_func (g_free);
  srv->ranges = g_ptr_array_new_with_free_func (g_free);
  srv->if_ranges = g_ptr_array_new_with_free_func (g_free);
  srv->statuses = g_array_new (FALSE, FALSE, sizeof (guint));
  srv->context = g_main_context_new ();
  srv->loop = g_main_loop_new (srv->context, FALSE);
  srv->thread = g_thread_new ("test-server", server_thread, srv);
  g_mutex_lock (&srv->lock);
  while (srv->base == NULL)
    g_cond_wait (&srv->cond, &srv->lock);
  g_mutex_unlock (&srv->lock);
  return srv;
}

static Server *
server_new (gsize size)
{
  return server_new_full (size, FALSE);
}

static void
server_free (Server *srv)
{
  g_main_context_invoke (srv->context, quit_server_loop, srv->loop);
  g_thread_join (srv->thread);
  g_main_loop_unref (srv->loop);
  g_main_context_unref (srv->context);
  g_bytes_unref (srv->content);
  g_free (srv->etag);
  g_free (srv->redirect_to);
  g_ptr_array_unref (srv->methods);
  g_ptr_array_unref (srv->ranges);
  g_ptr_array_unref (srv->if_ranges);
  g_array_unref (srv->statuses);
  g_free (srv->base);
  g_mutex_clear (&srv->lock);
  g_cond_clear (&srv->cond);
  g_free (srv);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Server, server_free)

static guint
server_requests (Server *srv)
{
  guint n;

  g_mutex_lock (&srv->lock);
  n = srv->requests;
  g_mutex_unlock (&srv->lock);
  return n;
}

static void
server_wait_stalled (Server *srv)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  g_mutex_lock (&srv->lock);
  while (!srv->stalled)
    g_assert_true (g_cond_wait_until (&srv->cond, &srv->lock, deadline));
  g_mutex_unlock (&srv->lock);
  /* the bytes before the stall are in flight on the loopback; let them land */
  g_usleep (200 * 1000);
}

/* ".../nuwa_global_images_x_<first 10 hex of MD5>.tgz" */
static char *
rom_url (Server     *srv,
         const char *prefix,
         const char *md5_or_null)
{
  g_autofree char *md5 = md5_or_null ? g_strdup (md5_or_null)
                                     : g_compute_checksum_for_bytes (G_CHECKSUM_MD5, srv->content);

  return g_strdup_printf ("%s/rom/%s_13.0_global_%.10s.tgz", srv->base, prefix, md5);
}

/* ---- helpers */

typedef struct {
  gboolean  finished;
  GError   *error;
  guint     n_progress;
  guint64   last_done;
  guint64   last_total;
  gboolean  saw_speed;
  gboolean  saw_seconds_left;
  gboolean  saw_checking;
  gboolean  saw_retrying;
  gboolean  saw_paused;
  gboolean  final_seen_early;   /* the final name existed before success */
  GThread  *thread;             /* where the signals arrived */
  gboolean  wrong_thread;
  guint64   pause_at;           /* pause when done reaches this (0: never) */
  UbDownload *download;
} Watch;

/* The download's UbProgress::changed */
static void
on_progress (UbProgress *progress,
             Watch      *w)
{
  UbDownload *download = w->download;

  w->n_progress++;
  w->last_done = ub_progress_get_bytes_done (progress);
  w->last_total = ub_progress_get_bytes_total (progress);
  w->saw_speed |= ub_progress_get_rate (progress) > 0;
  w->saw_seconds_left |= ub_progress_get_seconds_left (progress) > 0;
  if (g_thread_self () != w->thread)
    w->wrong_thread = TRUE;
  /* (the figures come on their own: the last ones may follow the rename) */
  if (ub_download_get_state (download) == UB_DOWNLOAD_STATE_DOWNLOADING &&
      w->last_done < w->last_total &&
      g_file_test (ub_download_get_final_path (download), G_FILE_TEST_EXISTS))
    w->final_seen_early = TRUE;
}

static void
on_state_changed (UbDownload *download,
                  Watch      *w)
{
  switch (ub_download_get_state (download))
    {
    case UB_DOWNLOAD_STATE_CHECKING: w->saw_checking = TRUE; break;
    case UB_DOWNLOAD_STATE_RETRYING: w->saw_retrying = TRUE; break;
    case UB_DOWNLOAD_STATE_PAUSED: w->saw_paused = TRUE; break;
    default: break;
    }
  if (g_thread_self () != w->thread)
    w->wrong_thread = TRUE;
}

static void
on_finished (UbDownload   *download,
             const GError *error,
             Watch        *w)
{
  w->finished = TRUE;
  w->error = error ? g_error_copy (error) : NULL;
  if (g_thread_self () != w->thread)
    w->wrong_thread = TRUE;
}

static void
watch (UbDownload *download,
       Watch      *w)
{
  memset (w, 0, sizeof *w);
  w->thread = g_thread_self ();
  w->download = download;
  g_signal_connect (ub_download_get_progress (download), "changed", G_CALLBACK (on_progress), w);
  g_signal_connect (download, "state-changed", G_CALLBACK (on_state_changed), w);
  g_signal_connect (download, "finished", G_CALLBACK (on_finished), w);
}

static void
iterate_until (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!*flag)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
}

static UbDownload *
new_download (const char *url,
              const char *dir)
{
  g_autoptr(GError) error = NULL;
  UbDownload *download = ub_download_new (url, dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (download);
  ub_download_set_retry_policy (download, 3, 10);
  return download;
}

static char *
make_dir (void)
{
  return ub_test_make_tmp_dir ("ub-download-XXXXXX");
}

/* The names in @dir, sorted and joined with spaces. */
static char *
list_dir (const char *dir)
{
  g_autoptr(GPtrArray) names = ub_test_list_dir (dir);

  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static void
assert_file_equals (const char *path,
                    GBytes     *expected)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &data, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, g_bytes_get_size (expected));
  g_assert_true (memcmp (data, g_bytes_get_data (expected, NULL), length) == 0);
}

static guint64
file_size (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_size;
}

static char *
base_name (UbDownload *download)
{
  return g_strdup (ub_download_get_file_name (download));
}

/* The download fails with @code (and @message, unless NULL) and leaves @dir empty. */
static void
assert_fails_leaving_nothing (UbDownload *download,
                              const char *dir,
                              gint        code,
                              const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;

  g_assert_false (ub_download_run_sync (download, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, code);
  if (message != NULL)
    g_assert_cmpstr (error->message, ==, message);
  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, "");
}

/* ---- URL checks: no network needed */

static void
assert_refused (const char *url,
                const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbDownload) download = ub_download_new (url, "/nonexistent", &error);

  g_assert_null (download);
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL);
  if (message != NULL)
    g_assert_cmpstr (error->message, ==, message);
}

static void
test_url_checks (void)
{
  assert_refused ("http://bigota.d.miui.com/V14.0.9.0.TMBMIXM/nuwa_global_images_V14.0.9.0.TMBMIXM_20230414.0000.00_13.0_global_32953d0dc0.tgz",
                  "Unbrick downloads only over a secure connection, and "
                  "“http://bigota.d.miui.com/V14.0.9.0.TMBMIXM/nuwa_global_images_V14.0.9.0.TMBMIXM_20230414.0000.00_13.0_global_32953d0dc0.tgz” "
                  "is not one (http://). Use the same link with https:// at the start.");
  assert_refused ("http://192.168.1.10/rom.tgz", NULL);
  assert_refused ("ftp://example.com/rom.tgz",
                  "Unbrick downloads only https:// links; “ftp://example.com/rom.tgz” starts "
                  "with “ftp:”. Copy the ROM’s https:// download link.");
  assert_refused ("file:///etc/passwd", NULL);
  assert_refused ("not a link", NULL);
  assert_refused ("https://example.com/",
                  "The link “https://example.com/” does not end with a usable file name. Copy "
                  "the full download link of the ROM file (it usually ends in .tgz).");
  assert_refused ("https://example.com", NULL);
  assert_refused ("https://example.com/a/..", NULL);
  assert_refused ("https://example.com/a/%2e%2e", NULL);
  assert_refused ("https://example.com/a/..%2Fetc%2Fpasswd", NULL);
  assert_refused ("https://example.com/a/x%2Fy.tgz", NULL);
  assert_refused ("https://example.com/a/x%00y.tgz", NULL);
  assert_refused ("https://example.com/a/.hidden", NULL);

  {
    const char *accepted[] = {
      "https://bigota.d.miui.com/V14.0.9.0.TMBMIXM/nuwa_global_images_V14.0.9.0.TMBMIXM_20230414.0000.00_13.0_global_32953d0dc0.tgz",
      "  https://example.com/dir/my%20rom.tgz?token=1#x \n",
      "http://127.0.0.1:8080/rom.tgz",
      "http://localhost/rom.tgz",
      "http://[::1]:8080/rom.tgz",
    };
    const char *names[] = {
      "nuwa_global_images_V14.0.9.0.TMBMIXM_20230414.0000.00_13.0_global_32953d0dc0.tgz",
      "my rom.tgz", "rom.tgz", "rom.tgz", "rom.tgz",
    };

    for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(UbDownload) download = ub_download_new (accepted[i], "/tmp/d", &error);
        g_autofree char *final = g_build_filename ("/tmp/d", names[i], NULL);
        g_autofree char *part = g_strconcat (final, ".part", NULL);

        g_assert_no_error (error);
        g_assert_cmpstr (ub_download_get_file_name (download), ==, names[i]);
        g_assert_cmpstr (ub_download_get_final_path (download), ==, final);
        g_assert_cmpstr (ub_download_get_part_path (download), ==, part);
        g_assert_cmpint (ub_download_get_state (download), ==, UB_DOWNLOAD_STATE_IDLE);
        g_assert_true (ub_download_has_md5_check (download) == (i == 0));
      }
  }
}

static void
test_md5_argument (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbDownload) rom = ub_download_new (
      "https://bigota.d.miui.com/V14.0.9.0.TMBMIXM/nuwa_global_images_V14.0.9.0.TMBMIXM_20230414.0000.00_13.0_global_32953d0dc0.tgz",
      "/tmp", &error);
  g_autoptr(UbDownload) plain = ub_download_new ("https://example.com/rom.tgz", "/tmp", &error);

  g_assert_no_error (error);
  g_assert_false (ub_download_has_md5_check (plain));
  g_assert_false (ub_download_set_expected_md5 (plain, "xyz", &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_CHECKSUM);
  g_assert_cmpstr (error->message, ==, "“xyz” is not an MD5 checksum (32 characters 0–9 and "
                   "a–f). Copy it again from the download page.");
  g_clear_error (&error);
  g_assert_false (ub_download_set_expected_md5 (plain, "0123456789abcdef0123456789abcde", &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_CHECKSUM);
  g_clear_error (&error);
  g_assert_true (ub_download_set_expected_md5 (plain, " 0123456789ABCDEF0123456789abcdef\n", &error));
  g_assert_no_error (error);
  g_assert_true (ub_download_has_md5_check (plain));

  g_assert_false (ub_download_set_expected_md5 (rom, "f07e576e5745f36310a2463038662b59", &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_CHECKSUM);
  g_assert_cmpstr (error->message, ==, "The MD5 f07e576e5745f36310a2463038662b59 cannot belong to "
                   "nuwa_global_images_V14.0.9.0.TMBMIXM_20230414.0000.00_13.0_global_32953d0dc0.tgz: "
                   "the file name says its MD5 starts with 32953d0dc0. Check that you copied the "
                   "checksum of this ROM.");
  g_clear_error (&error);
  g_assert_true (ub_download_set_expected_md5 (rom, "32953D0DC0aaaaaaaaaaaaaaaaaaaaaa", &error));
  g_assert_no_error (error);
}

/* ---- downloads */

static void
test_full (void)
{
  g_autoptr(Server) srv = server_new (3 * MiB + 123);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = rom_url (srv, "nuwa_global_images_V1", NULL);
  g_autofree char *md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, srv->content);
  g_autoptr(UbDownload) download = new_download (url, dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = base_name (download);
  g_autofree char *listing = NULL;
  Watch w;

  g_assert_true (ub_download_set_expected_md5 (download, md5, &error));
  watch (download, &w);
  ub_download_start (download, NULL);
  iterate_until (&w.finished);

  g_assert_no_error (w.error);
  g_assert_false (w.wrong_thread);
  g_assert_false (w.final_seen_early);
  g_assert_cmpint (ub_download_get_state (download), ==, UB_DOWNLOAD_STATE_SUCCEEDED);
  g_assert_false (ub_download_get_already_present (download));
  g_assert_cmpstr (ub_download_get_md5 (download), ==, md5);
  g_assert_cmpuint (w.last_done, ==, 3 * MiB + 123);
  g_assert_cmpuint (w.last_total, ==, 3 * MiB + 123);
  assert_file_equals (ub_download_get_final_path (download), srv->content);
  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, name);
  g_assert_cmpuint (server_requests (srv), ==, 1);
  g_assert_cmpstr (g_ptr_array_index (srv->ranges, 0), ==, "");

  /* again: the finished file is recognised by its MD5, nothing is fetched */
  {
    g_autoptr(UbDownload) again = new_download (url, dir);
    Watch w2;

    watch (again, &w2);
    g_assert_true (ub_download_run_sync (again, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (ub_download_get_already_present (again));
    g_assert_true (w2.saw_checking);
    g_assert_cmpstr (ub_download_get_md5 (again), ==, md5);
    g_assert_cmpuint (server_requests (srv), ==, 1);
    g_clear_error (&w2.error);
  }
  ub_test_rm_rf (dir);
}

/* Without an MD5 to check, an existing file of the announced size counts as done. */
static void
test_already_present_by_size (void)
{
  g_autoptr(Server) srv = server_new (100 * KiB);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = g_strdup_printf ("%s/files/plain.bin", srv->base);
  g_autoptr(UbDownload) first = new_download (url, dir);
  g_autoptr(UbDownload) second = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (ub_download_run_sync (first, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (ub_download_get_md5 (first));
  second = new_download (url, dir);
  g_assert_true (ub_download_run_sync (second, NULL, &error));
  g_assert_true (ub_download_get_already_present (second));
  g_assert_cmpuint (server_requests (srv), ==, 2);
  assert_file_equals (ub_download_get_final_path (second), srv->content);
  ub_test_rm_rf (dir);
}

static void
test_progress_rate (void)
{
  g_autoptr(Server) srv = server_new (4 * MiB);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = rom_url (srv, "slow", NULL);
  g_autoptr(UbDownload) download = new_download (url, dir);
  gint64 start;
  double seconds;
  Watch w;

  srv->chunk_delay_ms = 8;   /* 64 KiB every 8 ms: about half a second */
  watch (download, &w);
  start = g_get_monotonic_time ();
  ub_download_start (download, NULL);
  iterate_until (&w.finished);
  seconds = (g_get_monotonic_time () - start) / 1e6;

  g_assert_no_error (w.error);
  g_assert_cmpuint (w.n_progress, >=, 3);
  g_assert_cmpuint (w.n_progress, <=, seconds * 10 + 3);
  g_assert_true (w.saw_speed);
  g_assert_true (w.saw_seconds_left);
  assert_file_equals (ub_download_get_final_path (download), srv->content);
  ub_test_rm_rf (dir);
}

static void
test_drop_resumes (void)
{
  g_autoptr(Server) srv = server_new (3 * MiB);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = rom_url (srv, "drop", NULL);
  g_autoptr(UbDownload) download = new_download (url, dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = base_name (download);
  g_autofree char *listing = NULL;
  g_autofree char *want_range = g_strdup_printf ("bytes=%d-", MiB + 7);
  Watch w;

  srv->drop_at = MiB + 7;
  srv->drop_times = 2;   /* the first retry is dropped at once, too */
  watch (download, &w);
  g_assert_true (ub_download_run_sync (download, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (w.saw_retrying);
  assert_file_equals (ub_download_get_final_path (download), srv->content);
  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, name);
  g_assert_cmpuint (server_requests (srv), ==, 3);
  g_assert_cmpstr (g_ptr_array_index (srv->ranges, 1), ==, want_range);
  g_assert_cmpstr (g_ptr_array_index (srv->ranges, 2), ==, want_range);
  g_assert_cmpstr (g_ptr_array_index (srv->if_ranges, 1), ==, "\"v1\"");
  g_assert_cmpuint (g_array_index (srv->statuses, guint, 1), ==, 206);
  g_clear_error (&w.error);
  ub_test_rm_rf (dir);
}

/* A server that answers 200 to a Range request: the file starts over, never appended. */
static void
test_range_ignored (void)
{
  g_autoptr(Server) srv = server_new (2 * MiB + 5);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = rom_url (srv, "norange", NULL);
  g_autoptr(UbDownload) download = new_download (url, dir);
  g_autoptr(GError) error = NULL;

  srv->honour_range = FALSE;
  srv->drop_at = MiB;
  srv->drop_times = 1;
  g_assert_true (ub_download_run_sync (download, NULL, &error));
  g_assert_no_error (error);
  assert_file_equals (ub_download_get_final_path (download), srv->content);
  g_assert_cmpuint (server_requests (srv), ==, 2);
  g_assert_cmpstr (g_ptr_array_index (srv->ranges, 1), ==, "bytes=1048576-");
  g_assert_cmpuint (g_array_index (srv->statuses, guint, 1), ==, 200);
  ub_test_rm_rf (dir);
}

/* Chunked (no Content-Length), cut at a chunk boundary: libsoup sees a clean end, so
 * the end of a body of unknown size is confirmed with a Range request. */
static void
test_chunked_cut (void)
{
  g_autoptr(Server) srv = server_new (2 * MiB + 5);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = g_strdup_printf ("%s/x/chunked.bin", srv->base);   /* no MD5 */
  g_autoptr(UbDownload) download = new_download (url, dir);
  g_autoptr(GError) error = NULL;

  srv->chunked = TRUE;
  srv->drop_at = MiB;
  srv->drop_times = 1;
  g_assert_true (ub_download_run_sync (download, NULL, &error));
  g_assert_no_error (error);
  assert_file_equals (ub_download_get_final_path (download), srv->content);
  g_assert_cmpuint (server_requests (srv), ==, 2);
  g_assert_cmpstr (g_ptr_array_index (srv->ranges, 1), ==, "bytes=1048576-");

  /* complete: the confirming request gets a 416 and the file stays as it is */
  {
    g_autoptr(Server) whole = server_new (MiB + 5);
    g_autofree char *url2 = g_strdup_printf ("%s/x/chunked2.bin", whole->base);
    g_autoptr(UbDownload) again = new_download (url2, dir);

    whole->chunked = TRUE;
    g_assert_true (ub_download_run_sync (again, NULL, &error));
    g_assert_no_error (error);
    assert_file_equals (ub_download_get_final_path (again), whole->content);
    g_assert_cmpuint (server_requests (whole), ==, 2);
    g_assert_cmpstr (g_ptr_array_index (whole->ranges, 1), ==, "bytes=1048581-");
    g_assert_cmpuint (g_array_index (whole->statuses, guint, 1), ==, 416);
  }
  ub_test_rm_rf (dir);
}

/* Chunked, cut, and no ranges: only an MD5 can tell; the name's MD5 does. */
static void
test_chunked_cut_no_range (void)
{
  g_autoptr(Server) srv = server_new (2 * MiB + 5);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = rom_url (srv, "chunked-norange", NULL);
  g_autoptr(UbDownload) download = new_download (url, dir);

  srv->honour_range = FALSE;
  srv->chunked = TRUE;
  srv->drop_at = MiB;
  srv->drop_times = 1;
  assert_fails_leaving_nothing (download, dir, UB_ONLINE_ERROR_CHECKSUM, NULL);
  ub_test_rm_rf (dir);
}

/* A 206 that starts elsewhere than asked is not appended. */
static void
test_wrong_content_range (void)
{
  g_autoptr(Server) srv = server_new (2 * MiB);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = g_strdup_printf ("%s/x/skew.bin", srv->base);   /* no MD5 to save us */
  g_autoptr(UbDownload) download = new_download (url, dir);
  g_autoptr(GError) error = NULL;

  srv->range_skew = 1000;
  srv->drop_at = MiB;
  srv->drop_times = 1;
  g_assert_true (ub_download_run_sync (download, NULL, &error));
  g_assert_no_error (error);
  assert_file_equals (ub_download_get_final_path (download), srv->content);
  g_assert_cmpuint (server_requests (srv), ==, 3);
  g_assert_cmpstr (g_ptr_array_index (srv->ranges, 1), ==, "bytes=1048576-");
  g_assert_cmpuint (g_array_index (srv->statuses, guint, 1), ==, 206);
  g_assert_cmpstr (g_ptr_array_index (srv->ranges, 2), ==, "");
  ub_test_rm_rf (dir);
}

static void
test_md5_name_wrong (void)
{
  g_autoptr(Server) srv = server_new (MiB + 1);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = rom_url (srv, "bad", "0123456789");
  g_autoptr(UbDownload) download = new_download (url, dir);
  g_autofree char *md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, srv->content);
  g_autofree char *message = g_strdup_printf (
      "The download was damaged: its MD5 is %s, but the file name says it starts with "
      "0123456789. The damaged data was deleted; try the download again.", md5);

  assert_fails_leaving_nothing (download, dir, UB_ONLINE_ERROR_CHECKSUM, message);
  g_assert_cmpint (ub_download_get_state (download), ==, UB_DOWNLOAD_STATE_FAILED);
  ub_test_rm_rf (dir);
}

/* A .tar.gz link's MD5 is checked after downloading as a .tgz one is. */
static void
test_md5_name_tar_gz (void)
{
  g_autoptr(Server) srv = server_new (MiB + 1);
  g_autofree char *dir = make_dir ();
  g_autofree char *md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, srv->content);
  g_autofree char *good_url = g_strdup_printf ("%s/rom/good_13.0_global_%.10s.tar.gz", srv->base, md5);
  g_autofree char *bad_url = g_strdup_printf ("%s/rom/bad_13.0_global_0123456789.tar.gz", srv->base);
  g_autoptr(UbDownload) good = new_download (good_url, dir);
  g_autoptr(UbDownload) bad = new_download (bad_url, dir);
  g_autofree char *message = g_strdup_printf (
      "The download was damaged: its MD5 is %s, but the file name says it starts with "
      "0123456789. The damaged data was deleted; try the download again.", md5);
  g_autoptr(GError) error = NULL;

  g_assert_true (ub_download_has_md5_check (bad));
  assert_fails_leaving_nothing (bad, dir, UB_ONLINE_ERROR_CHECKSUM, message);

  g_assert_true (ub_download_has_md5_check (good));
  g_assert_true (ub_download_run_sync (good, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ub_download_get_md5 (good), ==, md5);
  assert_file_equals (ub_download_get_final_path (good), srv->content);
  ub_test_rm_rf (dir);
}

static void
test_md5_full_wrong (void)
{
  g_autoptr(Server) srv = server_new (MiB + 1);
  g_autofree char *dir = make_dir ();
  g_autofree char *md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, srv->content);
  g_autofree char *url = rom_url (srv, "full", NULL);   /* the name is right */
  g_autofree char *wrong = g_strdup_printf ("%.10s0000000000000000000000", md5);
  g_autoptr(UbDownload) download = new_download (url, dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = g_strdup_printf (
      "The download was damaged: its MD5 is %s, but it must be %s. The damaged data was "
      "deleted; try the download again.", md5, wrong);

  g_assert_true (ub_download_set_expected_md5 (download, wrong, &error));
  g_assert_no_error (error);
  assert_fails_leaving_nothing (download, dir, UB_ONLINE_ERROR_CHECKSUM, message);
  ub_test_rm_rf (dir);
}

/* A finished-looking file that fails its MD5 is not taken: it is downloaded again. */
static void
test_damaged_final_replaced (void)
{
  g_autoptr(Server) srv = server_new (MiB);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = rom_url (srv, "damaged", NULL);
  g_autoptr(UbDownload) download = new_download (url, dir);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (ub_download_get_final_path (download), "junk", 4, NULL));
  g_assert_true (ub_download_run_sync (download, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (ub_download_get_already_present (download));
  assert_file_equals (ub_download_get_final_path (download), srv->content);
  g_assert_cmpuint (server_requests (srv), ==, 1);
  ub_test_rm_rf (dir);
}

static void
test_http_error (void)
{
  g_autoptr(Server) srv = server_new (10);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = g_strdup_printf ("%s/gone/rom.tgz", srv->base);
  g_autoptr(UbDownload) download = new_download (url, dir);

  srv->status = 404;
  assert_fails_leaving_nothing (download, dir, UB_ONLINE_ERROR_NETWORK,
                                "The server 127.0.0.1 has no file at this link (HTTP 404 Not "
                                "Found). Check that the link is complete, or copy it again from "
                                "the download page.");
  g_assert_cmpuint (server_requests (srv), ==, 1);
  ub_test_rm_rf (dir);
}

/* Redirects are followed, but never to plain http on another machine. */
static void
test_redirects (void)
{
  g_autoptr(Server) srv = server_new (MiB);
  g_autofree char *dir = make_dir ();
  g_autofree char *target = rom_url (srv, "moved", NULL);
  g_autofree char *url = g_strdup_printf ("%s/redirect/moved.tgz", srv->base);
  g_autoptr(UbDownload) download = NULL;
  g_autoptr(UbDownload) unsafe = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;

  srv->redirect_to = g_strdup (target);
  download = new_download (url, dir);
  g_assert_true (ub_download_run_sync (download, NULL, &error));
  g_assert_no_error (error);
  /* the name comes from the link the user gave */
  g_assert_cmpstr (ub_download_get_file_name (download), ==, "moved.tgz");
  assert_file_equals (ub_download_get_final_path (download), srv->content);
  g_assert_cmpuint (server_requests (srv), ==, 2);

  g_free (srv->redirect_to);
  srv->redirect_to = g_strdup ("http://example.com/moved.tgz");
  g_free (url);
  url = g_strdup_printf ("%s/redirect/unsafe.tgz", srv->base);
  unsafe = new_download (url, dir);
  g_assert_false (ub_download_run_sync (unsafe, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL);
  g_assert_cmpstr (error->message, ==, "Unbrick downloads only over a secure connection, and "
                   "“http://example.com/moved.tgz” is not one (http://). Use the same link with "
                   "https:// at the start.");
  g_assert_cmpuint (server_requests (srv), ==, 3);
  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, "moved.tgz");
  ub_test_rm_rf (dir);
}

/* A server that keeps failing: a bounded number of tries, then a plain error. */
static void
test_retries_exhausted (void)
{
  g_autoptr(Server) srv = server_new (10);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = g_strdup_printf ("%s/busy/rom.tgz", srv->base);
  g_autoptr(UbDownload) download = new_download (url, dir);

  srv->status = 503;
  assert_fails_leaving_nothing (download, dir, UB_ONLINE_ERROR_NETWORK,
                                "The download from 127.0.0.1 failed 4 times in a row (HTTP 503 "
                                "Service Unavailable). Check the internet connection and try "
                                "again.");
  g_assert_cmpuint (server_requests (srv), ==, 4);   /* 1 + 3 retries */
  ub_test_rm_rf (dir);
}

/* The server announces more than the disk holds: refused before any byte is written. */
static void
test_no_space_announced (void)
{
  g_autoptr(Server) srv = server_new (10);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = g_strdup_printf ("%s/huge/rom.tgz", srv->base);
  g_autoptr(UbDownload) download = new_download (url, dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *need = g_format_size (G_GUINT64_CONSTANT (1) << 60);   /* "1.2 EB" */
  g_autofree char *prefix = g_strdup_printf ("The download needs %s free in %s, but only ", need, dir);
  g_autofree char *listing = NULL;

  srv->claim_length = G_GUINT64_CONSTANT (1) << 60;
  g_assert_false (ub_download_run_sync (download, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NO_SPACE);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_assert_true (g_str_has_suffix (error->message, " is available. Free some space or choose "
                                   "another folder, then try again."));
  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, "");
  ub_test_rm_rf (dir);
}

/* Needs UB_SMALL_DIR: an empty 1 MiB tmpfs (see small-disk.sh). */
static void
test_disk_full_announced (void)
{
  const char *dir = g_getenv ("UB_SMALL_DIR");
  g_autoptr(Server) srv = NULL;
  g_autofree char *url = NULL;
  g_autoptr(UbDownload) download = NULL;
  g_autofree char *message = NULL;

  if (dir == NULL)
    {
      g_test_skip ("needs a small disk: run through small-disk.sh");
      return;
    }
  srv = server_new (2 * MiB);
  url = rom_url (srv, "full-disk", NULL);
  download = new_download (url, dir);
  {
    g_autofree char *need = g_format_size (2 * MiB);   /* "2.1 MB" */
    g_autofree char *have = g_format_size (MiB);
    message = g_strdup_printf ("The download needs %s free in %s, but only %s is available. "
                               "Free some space or choose another folder, then try again.",
                               need, dir, have);
  }
  assert_fails_leaving_nothing (download, dir, UB_ONLINE_ERROR_NO_SPACE, message);
}

static void
test_disk_full_writing (void)
{
  const char *dir = g_getenv ("UB_SMALL_DIR");
  g_autoptr(Server) srv = NULL;
  g_autofree char *url = NULL;
  g_autoptr(UbDownload) download = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *want = NULL;

  if (dir == NULL)
    {
      g_test_skip ("needs a small disk: run through small-disk.sh");
      return;
    }
  srv = server_new (2 * MiB);
  srv->chunked = TRUE;   /* no size announced: the disk fills up while writing */
  url = rom_url (srv, "full-disk-chunked", NULL);
  download = new_download (url, dir);
  g_assert_false (ub_download_run_sync (download, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NO_SPACE);
  message = g_strdup_printf ("The disk is full: %s could not be written. The part downloaded "
                             "so far was kept; free some space, then start the download again "
                             "to continue.", ub_download_get_part_path (download));
  g_assert_cmpstr (error->message, ==, message);
  listing = list_dir (dir);
  want = g_strdup_printf ("%s.part", ub_download_get_file_name (download));
  g_assert_cmpstr (listing, ==, want);
  g_assert_cmpuint (file_size (ub_download_get_part_path (download)), <=, MiB);
  g_unlink (ub_download_get_part_path (download));
}

static void
test_cancel_keeps_part (void)
{
  g_autoptr(Server) srv = server_new (3 * MiB);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = rom_url (srv, "cancel", NULL);
  g_autoptr(UbDownload) download = new_download (url, dir);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *listing = NULL;
  g_autofree char *want = NULL;
  g_autofree char *message = NULL;
  guint64 part;
  Watch w;

  srv->stall_at = MiB + 3;
  watch (download, &w);
  ub_download_start (download, cancellable);
  server_wait_stalled (srv);
  g_cancellable_cancel (cancellable);
  iterate_until (&w.finished);

  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (ub_download_get_state (download), ==, UB_DOWNLOAD_STATE_FAILED);
  listing = list_dir (dir);
  want = g_strdup_printf ("%s.part", ub_download_get_file_name (download));
  g_assert_cmpstr (listing, ==, want);
  part = file_size (ub_download_get_part_path (download));
  g_assert_cmpuint (part, ==, MiB + 3);
  {
    g_autofree char *size = g_format_size (part);
    message = g_strdup_printf ("The download was stopped. The %s downloaded so far was kept in "
                               "%s; start the same download again to continue.",
                               size, ub_download_get_part_path (download));
  }
  g_assert_cmpstr (w.error->message, ==, message);
  g_clear_error (&w.error);
  ub_test_rm_rf (dir);
}

static void
test_pause_resume (void)
{
  g_autoptr(Server) srv = server_new (3 * MiB);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = rom_url (srv, "pause", NULL);
  g_autoptr(UbDownload) download = new_download (url, dir);
  g_autofree char *want_range = NULL;
  guint64 part;
  Watch w;

  srv->stall_at = MiB + 100;
  watch (download, &w);
  ub_download_start (download, NULL);
  server_wait_stalled (srv);
  ub_download_pause (download);
  g_assert_true (ub_download_is_paused (download));
  iterate_until (&w.saw_paused);
  g_assert_cmpint (ub_download_get_state (download), ==, UB_DOWNLOAD_STATE_PAUSED);

  /* paused: the data so far is on disk under the partial name, nothing more is asked */
  part = file_size (ub_download_get_part_path (download));
  g_assert_cmpuint (part, ==, MiB + 100);
  /* the progress at the pause is exact */
  g_assert_cmpuint (ub_progress_get_bytes_done (ub_download_get_progress (download)), ==, part);
  g_assert_false (g_file_test (ub_download_get_final_path (download), G_FILE_TEST_EXISTS));
  g_usleep (300 * 1000);
  g_assert_cmpuint (server_requests (srv), ==, 1);
  g_assert_false (w.finished);

  ub_download_resume (download);
  iterate_until (&w.finished);
  g_assert_no_error (w.error);
  g_assert_false (w.wrong_thread);
  assert_file_equals (ub_download_get_final_path (download), srv->content);
  g_assert_false (g_file_test (ub_download_get_part_path (download), G_FILE_TEST_EXISTS));
  g_assert_cmpuint (server_requests (srv), ==, 2);
  want_range = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-", part);
  g_assert_cmpstr (g_ptr_array_index (srv->ranges, 1), ==, want_range);
  g_assert_cmpstr (g_ptr_array_index (srv->if_ranges, 1), ==, "\"v1\"");
  ub_test_rm_rf (dir);
}

/* Stops a download after @at bytes with a cancellation; returns the .part size. */
static guint64
interrupted_run (Server     *srv,
                 const char *url,
                 const char *dir,
                 gint64      at)
{
  g_autoptr(UbDownload) download = new_download (url, dir);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Watch w;
  guint64 part;

  srv->stall_at = at;
  watch (download, &w);
  ub_download_start (download, cancellable);
  server_wait_stalled (srv);
  g_cancellable_cancel (cancellable);
  iterate_until (&w.finished);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&w.error);
  part = file_size (ub_download_get_part_path (download));
  g_assert_false (g_file_test (ub_download_get_final_path (download), G_FILE_TEST_EXISTS));
  return part;
}

static void
test_resume_across_runs (void)
{
  g_autoptr(Server) srv = server_new (3 * MiB + 17);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = rom_url (srv, "across", NULL);
  g_autoptr(UbDownload) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *want_range = NULL;
  guint64 part = interrupted_run (srv, url, dir, 2 * MiB + 5);
  Watch w;

  g_assert_cmpuint (part, ==, 2 * MiB + 5);
  second = new_download (url, dir);
  watch (second, &w);
  g_assert_true (ub_download_run_sync (second, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (w.saw_checking);   /* the old part was hashed for the MD5 */
  assert_file_equals (ub_download_get_final_path (second), srv->content);
  g_assert_false (g_file_test (ub_download_get_part_path (second), G_FILE_TEST_EXISTS));
  g_assert_cmpuint (server_requests (srv), ==, 2);
  want_range = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-", part);
  g_assert_cmpstr (g_ptr_array_index (srv->ranges, 1), ==, want_range);
  /* the ETag of the first run came along with the .part */
  g_assert_cmpstr (g_ptr_array_index (srv->if_ranges, 1), ==, "\"v1\"");
  g_clear_error (&w.error);
  ub_test_rm_rf (dir);
}

/* The file changed on the server between runs: If-Range gets the whole new file. */
static void
test_resume_changed_file (void)
{
  g_autoptr(Server) srv = server_new (2 * MiB);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = g_strdup_printf ("%s/x/changing.bin", srv->base);   /* no MD5 */
  g_autoptr(UbDownload) second = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *old;

  g_assert_cmpuint (interrupted_run (srv, url, dir, MiB), ==, MiB);
  g_mutex_lock (&srv->lock);
  old = srv->content;
  srv->content = ub_test_random_bytes (2 * MiB, 4242);
  g_bytes_unref (old);
  g_free (srv->etag);
  srv->etag = g_strdup ("\"v2\"");
  g_mutex_unlock (&srv->lock);

  second = new_download (url, dir);
  g_assert_true (ub_download_run_sync (second, NULL, &error));
  g_assert_no_error (error);
  assert_file_equals (ub_download_get_final_path (second), srv->content);
  g_assert_cmpstr (g_ptr_array_index (srv->ranges, 1), ==, "bytes=1048576-");
  g_assert_cmpstr (g_ptr_array_index (srv->if_ranges, 1), ==, "\"v1\"");
  g_assert_cmpuint (g_array_index (srv->statuses, guint, 1), ==, 200);
  ub_test_rm_rf (dir);
}

/* A .part that already holds the whole file: the server answers 416, nothing is refetched. */
static void
test_part_already_complete (void)
{
  g_autoptr(Server) srv = server_new (MiB);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = rom_url (srv, "complete", NULL);
  g_autoptr(UbDownload) download = new_download (url, dir);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (ub_download_get_part_path (download),
                                      g_bytes_get_data (srv->content, NULL),
                                      g_bytes_get_size (srv->content), NULL));
  g_assert_true (ub_download_run_sync (download, NULL, &error));
  g_assert_no_error (error);
  assert_file_equals (ub_download_get_final_path (download), srv->content);
  g_assert_false (g_file_test (ub_download_get_part_path (download), G_FILE_TEST_EXISTS));
  g_assert_cmpuint (g_array_index (srv->statuses, guint, 0), ==, 416);
  ub_test_rm_rf (dir);
}

/* A damaged .part (wrong bytes at the start) is caught by the MD5 and deleted. */
static void
test_damaged_part (void)
{
  g_autoptr(Server) srv = server_new (2 * MiB);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = rom_url (srv, "damagedpart", NULL);
  g_autoptr(UbDownload) download = new_download (url, dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *junk = g_malloc0 (MiB);

  g_assert_true (g_file_set_contents (ub_download_get_part_path (download), junk, MiB, NULL));
  assert_fails_leaving_nothing (download, dir, UB_ONLINE_ERROR_CHECKSUM, NULL);
  /* and the next try starts clean */
  g_clear_object (&download);
  download = new_download (url, dir);
  g_assert_true (ub_download_run_sync (download, NULL, &error));
  g_assert_no_error (error);
  assert_file_equals (ub_download_get_final_path (download), srv->content);
  ub_test_rm_rf (dir);
}

/* the state's GType nick is the word the CLI's JSON uses */
/* ---- mirrors: the same file on several servers */

/* "<base>/<version>/<name>" on @srv, as the catalog builds it */
static char *
mirror_url (Server     *srv,
            const char *name)
{
  return g_strdup_printf ("%s/OS1.0.1.0.UNCMIXM/%s", srv->base, name);
}

/* A ROM file name ending in the MD5 prefix of @srv's content. */
static char *
mirror_name (Server *srv)
{
  g_autofree char *md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, srv->content);

  return g_strdup_printf ("houji_global_images_OS1.0.1.0.UNCMIXM_14.0_global_%.10s.tgz", md5);
}

static UbDownload *
new_mirror_download (const char * const *urls,
                     const char         *dir)
{
  g_autoptr(GError) error = NULL;
  UbDownload *download = ub_download_new_for_mirrors (urls, dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (download);
  ub_download_set_retry_policy (download, 2, 10);
  /* no minimum rate: a loaded test machine is no slow mirror */
  ub_download_set_stall_policy (download, 30, 0);
  return download;
}

/* A local port where nothing listens. */
static guint16
closed_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
test_mirrors_construction (void)
{
  const char *http_elsewhere[] = { "https://bigota.d.miui.com/V1/a_b_0123456789.tgz",
                                   "http://cdnorg.d.miui.com/V1/a_b_0123456789.tgz", NULL };
  const char *two_names[] = { "https://bigota.d.miui.com/V1/a_b_0123456789.tgz",
                              "https://cdnorg.d.miui.com/V1/a_c_0123456789.tgz", NULL };
  const char *none[] = { NULL };
  const char *good[] = { " https://bigota.d.miui.com/V1/a_b_0123456789.tgz",
                         "https://cdnorg.d.miui.com/V1/a_b_0123456789.tgz",
                         "https://bigota.d.miui.com/V1/a_b_0123456789.tgz", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(UbDownload) download = NULL;
  g_autofree char *current = NULL;

  download = ub_download_new_for_mirrors (http_elsewhere, "/nonexistent", &error);
  g_assert_null (download);
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL);
  g_assert_cmpstr (error->message, ==,
                   "Unbrick downloads only over a secure connection, and "
                   "“http://cdnorg.d.miui.com/V1/a_b_0123456789.tgz” is not one (http://). Use "
                   "the same link with https:// at the start.");
  g_clear_error (&error);

  download = ub_download_new_for_mirrors (two_names, "/nonexistent", &error);
  g_assert_null (download);
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL);
  g_assert_cmpstr (error->message, ==, "The download addresses are not all for the same file: "
                   "one ends in “a_b_0123456789.tgz”, another in “a_c_0123456789.tgz”.");
  g_clear_error (&error);

  download = ub_download_new_for_mirrors (none, "/nonexistent", &error);
  g_assert_null (download);
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL);
  g_clear_error (&error);

  download = ub_download_new_for_mirrors (good, "/tmp/x", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ub_download_get_url (download), ==,
                   "https://bigota.d.miui.com/V1/a_b_0123456789.tgz");
  current = ub_download_dup_current_url (download);
  g_assert_cmpstr (current, ==, "https://bigota.d.miui.com/V1/a_b_0123456789.tgz");
  g_assert_cmpstr (ub_download_get_file_name (download), ==, "a_b_0123456789.tgz");
  g_assert_cmpstr (ub_download_get_final_path (download), ==, "/tmp/x/a_b_0123456789.tgz");
  g_assert_true (ub_download_has_md5_check (download));
}

/* The first mirror has no such file, the second sends headers and then nothing,
 * the third serves it. */
static void
test_mirrors_failover (void)
{
  g_autoptr(Server) missing = server_new (2 * MiB + 7);
  g_autoptr(Server) stalled = server_new (2 * MiB + 7);
  g_autoptr(Server) good = server_new (2 * MiB + 7);
  g_autofree char *dir = make_dir ();
  g_autofree char *name = mirror_name (good);
  g_autofree char *url1 = mirror_url (missing, name);
  g_autofree char *url2 = mirror_url (stalled, name);
  g_autofree char *url3 = mirror_url (good, name);
  const char *urls[] = { url1, url2, url3, NULL };
  g_autoptr(UbDownload) download = new_mirror_download (urls, dir);
  g_autofree char *current = NULL;
  g_autofree char *listing = NULL;
  gint64 start;
  Watch w;

  missing->status = 404;
  stalled->stall_at = 0;
  ub_download_set_stall_policy (download, 1, 0);
  watch (download, &w);
  start = g_get_monotonic_time ();
  ub_download_start (download, NULL);
  iterate_until (&w.finished);

  g_assert_no_error (w.error);
  g_assert_false (w.wrong_thread);
  g_assert_true (w.saw_retrying);
  assert_file_equals (ub_download_get_final_path (download), good->content);
  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, name);
  current = ub_download_dup_current_url (download);
  g_assert_cmpstr (current, ==, url3);
  g_assert_cmpstr (ub_download_get_url (download), ==, url1);
  g_assert_cmpuint (w.last_done, ==, 2 * MiB + 7);
  g_assert_cmpuint (w.last_total, ==, 2 * MiB + 7);
  /* the first mirror: one HEAD, answered 404 */
  g_assert_cmpuint (server_requests (missing), ==, 1);
  g_assert_cmpstr (g_ptr_array_index (missing->methods, 0), ==, "HEAD");
  /* the second: HEAD told the size, the GET stalled and was left after the 1 s policy */
  g_assert_cmpuint (server_requests (stalled), ==, 2);
  g_assert_cmpstr (g_ptr_array_index (stalled->methods, 0), ==, "HEAD");
  g_assert_cmpstr (g_ptr_array_index (stalled->methods, 1), ==, "GET");
  g_assert_true (stalled->stalled);
  /* the third: the size was known, one GET of the whole file */
  g_assert_cmpuint (server_requests (good), ==, 1);
  g_assert_cmpstr (g_ptr_array_index (good->methods, 0), ==, "GET");
  g_assert_cmpstr (g_ptr_array_index (good->ranges, 0), ==, "");
  /* left on the stall timeout, not on a lost connection's retries */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 20 * G_USEC_PER_SEC);
  g_clear_error (&w.error);
  ub_test_rm_rf (dir);
}

/* Paused mid-way; meanwhile the mirror lost the file: the next one continues the
 * same .part with a Range request. */
static void
test_mirrors_resume_on_next (void)
{
  g_autoptr(Server) first = server_new (3 * MiB + 5);
  g_autoptr(Server) second = server_new (3 * MiB + 5);
  g_autofree char *dir = make_dir ();
  g_autofree char *name = mirror_name (first);
  g_autofree char *url1 = mirror_url (first, name);
  g_autofree char *url2 = mirror_url (second, name);
  const char *urls[] = { url1, url2, NULL };
  g_autoptr(UbDownload) download = new_mirror_download (urls, dir);
  g_autofree char *want_range = NULL;
  g_autofree char *current = NULL;
  guint64 part;
  Watch w;

  first->stall_at = MiB + 100;
  watch (download, &w);
  ub_download_start (download, NULL);
  server_wait_stalled (first);
  ub_download_pause (download);
  iterate_until (&w.saw_paused);
  part = file_size (ub_download_get_part_path (download));
  g_assert_cmpuint (part, ==, MiB + 100);
  current = ub_download_dup_current_url (download);
  g_assert_cmpstr (current, ==, url1);
  g_clear_pointer (&current, g_free);

  g_mutex_lock (&first->lock);
  first->status = 410;
  g_mutex_unlock (&first->lock);
  ub_download_resume (download);
  iterate_until (&w.finished);

  g_assert_no_error (w.error);
  assert_file_equals (ub_download_get_final_path (download), second->content);
  g_assert_false (g_file_test (ub_download_get_part_path (download), G_FILE_TEST_EXISTS));
  current = ub_download_dup_current_url (download);
  g_assert_cmpstr (current, ==, url2);
  /* first: HEAD, GET (paused), GET with Range answered 410 */
  g_assert_cmpuint (server_requests (first), ==, 3);
  g_assert_cmpuint (g_array_index (first->statuses, guint, 2), ==, 410);
  /* second: only the rest */
  g_assert_cmpuint (server_requests (second), ==, 1);
  want_range = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-", part);
  g_assert_cmpstr (g_ptr_array_index (second->ranges, 0), ==, want_range);
  g_assert_cmpuint (g_array_index (second->statuses, guint, 0), ==, SOUP_STATUS_PARTIAL_CONTENT);
  g_clear_error (&w.error);
  ub_test_rm_rf (dir);
}

/* A run stopped mid-way: the next run finds the first mirror gone and continues the
 * .part on the second. */
static void
test_mirrors_resume_across_runs (void)
{
  g_autoptr(Server) first = server_new (3 * MiB + 9);
  g_autoptr(Server) second = server_new (3 * MiB + 9);
  g_autofree char *dir = make_dir ();
  g_autofree char *name = mirror_name (first);
  g_autofree char *url1 = mirror_url (first, name);
  g_autofree char *url2 = mirror_url (second, name);
  const char *urls[] = { url1, url2, NULL };
  g_autoptr(UbDownload) download = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *want_range = NULL;
  guint64 part = interrupted_run (first, url1, dir, 2 * MiB + 1);

  g_assert_cmpuint (part, ==, 2 * MiB + 1);
  first->status = 404;
  download = new_mirror_download (urls, dir);
  g_assert_true (ub_download_run_sync (download, NULL, &error));
  g_assert_no_error (error);
  assert_file_equals (ub_download_get_final_path (download), second->content);
  /* HEAD (size), then the rest with a Range request */
  g_assert_cmpuint (server_requests (second), ==, 2);
  g_assert_cmpstr (g_ptr_array_index (second->methods, 0), ==, "HEAD");
  want_range = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-", part);
  g_assert_cmpstr (g_ptr_array_index (second->ranges, 1), ==, want_range);
  ub_test_rm_rf (dir);
}

/* A throttled mirror is left for the next one, which continues the .part. */
static void
test_mirrors_throttled (void)
{
  g_autoptr(Server) slow = server_new (4 * MiB);
  g_autoptr(Server) fast = server_new (4 * MiB);
  g_autofree char *dir = make_dir ();
  g_autofree char *name = mirror_name (fast);
  g_autofree char *url1 = mirror_url (slow, name);
  g_autofree char *url2 = mirror_url (fast, name);
  const char *urls[] = { url1, url2, NULL };
  g_autoptr(UbDownload) download = new_mirror_download (urls, dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *current = NULL;
  const char *range;
  guint64 from = 0;

  slow->chunk_delay_ms = 100;   /* 64 KiB every 100 ms: about 640 KiB/s */
  ub_download_set_stall_policy (download, 1, 2 * MiB);
  g_assert_true (ub_download_run_sync (download, NULL, &error));
  g_assert_no_error (error);
  assert_file_equals (ub_download_get_final_path (download), fast->content);
  current = ub_download_dup_current_url (download);
  g_assert_cmpstr (current, ==, url2);
  /* the slow mirror delivered some, never all of it */
  g_assert_cmpuint (server_requests (slow), ==, 2);   /* HEAD, GET */
  g_assert_cmpuint (server_requests (fast), ==, 1);
  range = g_ptr_array_index (fast->ranges, 0);
  g_assert_true (sscanf (range, "bytes=%" G_GUINT64_FORMAT "-", &from) == 1);
  g_assert_cmpuint (from, >, 0);
  g_assert_cmpuint (from, <, 4 * MiB);
  ub_test_rm_rf (dir);
}

/* Only slow mirrors are better than none: the last one is not left for being slow. */
static void
test_mirrors_slow_last (void)
{
  g_autoptr(Server) missing = server_new (300 * KiB);
  g_autoptr(Server) slow = server_new (300 * KiB);
  g_autofree char *dir = make_dir ();
  g_autofree char *name = mirror_name (slow);
  g_autofree char *url1 = mirror_url (missing, name);
  g_autofree char *url2 = mirror_url (slow, name);
  const char *urls[] = { url1, url2, NULL };
  g_autoptr(UbDownload) download = new_mirror_download (urls, dir);
  g_autoptr(GError) error = NULL;

  missing->status = 404;
  slow->chunk_delay_ms = 300;   /* 5 chunks in about 1.5 s: under 1 MiB/s */
  ub_download_set_stall_policy (download, 1, MiB);
  g_assert_true (ub_download_run_sync (download, NULL, &error));
  g_assert_no_error (error);
  assert_file_equals (ub_download_get_final_path (download), slow->content);
  g_assert_cmpuint (server_requests (slow), ==, 2);   /* HEAD, one GET */
  ub_test_rm_rf (dir);
}

/* A wrong full MD5 after a failover: nothing is left, neither file nor .part. */
static void
test_mirrors_md5_wrong (void)
{
  g_autoptr(Server) missing = server_new (MiB + 1);
  g_autoptr(Server) good = server_new (MiB + 1);
  g_autofree char *dir = make_dir ();
  g_autofree char *name = mirror_name (good);
  g_autofree char *url1 = mirror_url (missing, name);
  g_autofree char *url2 = mirror_url (good, name);
  const char *urls[] = { url1, url2, NULL };
  g_autoptr(UbDownload) download = new_mirror_download (urls, dir);
  g_autofree char *md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, good->content);
  g_autofree char *wrong = g_strdup_printf ("%.10s0000000000000000000000", md5);
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;

  missing->status = 404;
  g_assert_true (ub_download_set_expected_md5 (download, wrong, &error));
  g_assert_no_error (error);
  message = g_strdup_printf ("The download was damaged: its MD5 is %s, but it must be %s. The "
                             "damaged data was deleted; try the download again.", md5, wrong);
  assert_fails_leaving_nothing (download, dir, UB_ONLINE_ERROR_CHECKSUM, message);
  g_assert_cmpuint (server_requests (good), ==, 2);   /* HEAD, GET */
  ub_test_rm_rf (dir);
}

/* HEAD announces more than the disk holds: refused before any GET. */
static void
test_mirrors_no_space (void)
{
  g_autoptr(Server) srv = server_new (10);
  g_autofree char *dir = make_dir ();
  g_autofree char *name = mirror_name (srv);
  g_autofree char *url = mirror_url (srv, name);
  const char *urls[] = { url, NULL };
  g_autoptr(UbDownload) download = new_mirror_download (urls, dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *need = g_format_size (G_GUINT64_CONSTANT (1) << 60);
  g_autofree char *prefix = g_strdup_printf ("The download needs %s free in %s, but only ", need, dir);
  g_autofree char *listing = NULL;

  srv->claim_length = G_GUINT64_CONSTANT (1) << 60;
  g_assert_false (ub_download_run_sync (download, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NO_SPACE);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_assert_cmpuint (server_requests (srv), ==, 1);
  g_assert_cmpstr (g_ptr_array_index (srv->methods, 0), ==, "HEAD");
  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, "");
  ub_test_rm_rf (dir);
}

/* A mirror that keeps dropping the connection is left after a few tries while
 * another one waits; the other continues the .part. */
static void
test_mirrors_flaky (void)
{
  g_autoptr(Server) flaky = server_new (MiB);
  g_autoptr(Server) good = server_new (MiB);
  g_autofree char *dir = make_dir ();
  g_autofree char *name = mirror_name (good);
  g_autofree char *url1 = mirror_url (flaky, name);
  g_autofree char *url2 = mirror_url (good, name);
  const char *urls[] = { url1, url2, NULL };
  g_autoptr(UbDownload) download = new_mirror_download (urls, dir);
  g_autoptr(GError) error = NULL;

  flaky->drop_at = 100 * KiB;
  flaky->drop_times = 100;
  ub_download_set_retry_policy (download, 6, 10);
  g_assert_true (ub_download_run_sync (download, NULL, &error));
  g_assert_no_error (error);
  assert_file_equals (ub_download_get_final_path (download), good->content);
  /* HEAD, the GET cut at 100 KiB, then 2 more tries that brought nothing */
  g_assert_cmpuint (server_requests (flaky), ==, 4);
  g_assert_cmpuint (server_requests (good), ==, 1);
  g_assert_cmpstr (g_ptr_array_index (good->ranges, 0), ==, "bytes=102400-");
  ub_test_rm_rf (dir);
}

/* One address with a size known in advance: a server claiming another is refused. */
static void
test_expected_size (void)
{
  g_autoptr(Server) srv = server_new (MiB + 3);
  g_autofree char *dir = make_dir ();
  g_autofree char *url = rom_url (srv, "sized", NULL);
  g_autoptr(UbDownload) download = new_download (url, dir);
  g_autoptr(UbDownload) right = new_download (url, dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *got = g_format_size_full (MiB + 3, G_FORMAT_SIZE_LONG_FORMAT);
  g_autofree char *want = g_format_size_full (MiB + 2, G_FORMAT_SIZE_LONG_FORMAT);
  g_autofree char *message = g_strdup_printf ("127.0.0.1 offers a file of %s instead of %s.",
                                              got, want);

  ub_download_set_expected_size (download, MiB + 2);
  assert_fails_leaving_nothing (download, dir, UB_ONLINE_ERROR_NETWORK, message);
  g_assert_cmpuint (server_requests (srv), ==, 1);   /* no HEAD without mirrors */

  ub_download_set_expected_size (right, MiB + 3);
  g_assert_true (ub_download_run_sync (right, NULL, &error));
  g_assert_no_error (error);
  assert_file_equals (ub_download_get_final_path (right), srv->content);
  ub_test_rm_rf (dir);
}

/* A HEAD that tells another size than the download: the download is believed. */
static void
test_mirrors_head_wrong (void)
{
  g_autoptr(Server) liar = server_new (MiB + 3);
  g_autoptr(Server) other = server_new (MiB + 4);
  g_autofree char *dir = make_dir ();
  g_autofree char *name = mirror_name (liar);
  g_autofree char *url1 = mirror_url (liar, name);
  g_autofree char *url2 = mirror_url (other, name);
  const char *urls[] = { url1, url2, NULL };
  g_autoptr(UbDownload) download = new_mirror_download (urls, dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *current = NULL;

  liar->head_length = MiB + 4;
  g_assert_true (ub_download_run_sync (download, NULL, &error));
  g_assert_no_error (error);
  assert_file_equals (ub_download_get_final_path (download), liar->content);
  current = ub_download_dup_current_url (download);
  g_assert_cmpstr (current, ==, url1);
  g_assert_cmpuint (server_requests (liar), ==, 2);   /* HEAD, GET */
  g_assert_cmpuint (server_requests (other), ==, 0);
  ub_test_rm_rf (dir);
}

/* A mirror with a file of another size than the expected one is left. */
static void
test_mirrors_size_differs (void)
{
  g_autoptr(Server) other = server_new (MiB + 2);
  g_autoptr(Server) good = server_new (MiB + 1);
  g_autofree char *dir = make_dir ();
  g_autofree char *name = mirror_name (good);
  g_autofree char *url1 = mirror_url (other, name);
  g_autofree char *url2 = mirror_url (good, name);
  const char *urls[] = { url1, url2, NULL };
  g_autoptr(UbDownload) download = new_mirror_download (urls, dir);
  g_autoptr(GError) error = NULL;

  ub_download_set_expected_size (download, MiB + 1);
  g_assert_true (ub_download_run_sync (download, NULL, &error));
  g_assert_no_error (error);
  assert_file_equals (ub_download_get_final_path (download), good->content);
  /* the size was known: no HEAD; the first GET's Content-Length was refused */
  g_assert_cmpuint (server_requests (other), ==, 1);
  g_assert_cmpstr (g_ptr_array_index (other->methods, 0), ==, "GET");
  g_assert_cmpuint (server_requests (good), ==, 1);
  ub_test_rm_rf (dir);
}

/* A mirror whose certificate cannot be trusted is left at once. */
static void
test_mirrors_untrusted (void)
{
  g_autoptr(Server) untrusted = server_new_full (MiB, TRUE);
  g_autoptr(Server) good = server_new (MiB);
  g_autofree char *dir = make_dir ();
  g_autofree char *dir2 = make_dir ();
  g_autofree char *name = mirror_name (good);
  g_autofree char *url1 = mirror_url (untrusted, name);
  g_autofree char *url2 = mirror_url (good, name);
  const char *urls[] = { url1, url2, NULL };
  const char *alone[] = { url1, NULL };
  g_autoptr(UbDownload) download = new_mirror_download (urls, dir);
  g_autoptr(UbDownload) only = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *current = NULL;
  g_autofree char *listing = NULL;

  g_assert_true (g_str_has_prefix (url1, "https://127.0.0.1:"));
  g_assert_true (ub_download_run_sync (download, NULL, &error));
  g_assert_no_error (error);
  assert_file_equals (ub_download_get_final_path (download), good->content);
  current = ub_download_dup_current_url (download);
  g_assert_cmpstr (current, ==, url2);
  g_assert_cmpuint (server_requests (untrusted), ==, 0);   /* no request got through */
  g_assert_cmpuint (server_requests (good), ==, 2);
  ub_test_rm_rf (dir);

  /* alone: not tried again, and the reason is given */
  only = new_mirror_download (alone, dir2);
  g_assert_false (ub_download_run_sync (only, NULL, &error));
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK);
  g_assert_true (g_str_has_prefix (error->message, "The file could not be downloaded from the 1 "
                                   "server that has it. The secure connection to 127.0.0.1 could "
                                   "not be trusted ("));
  listing = list_dir (dir2);
  g_assert_cmpstr (listing, ==, "");
  g_assert_cmpuint (server_requests (untrusted), ==, 0);
  ub_test_rm_rf (dir2);
}

/* Every mirror fails: a network error naming the last reason. */
static void
test_mirrors_all_fail (void)
{
  g_autoptr(Server) missing = server_new (10);
  g_autoptr(Server) busy = server_new (10);
  g_autofree char *dir = make_dir ();
  g_autofree char *url1 = g_strdup_printf ("http://127.0.0.1:%u/V1/rom.tgz", closed_port ());
  g_autofree char *url2 = mirror_url (missing, "rom.tgz");
  g_autofree char *url3 = mirror_url (busy, "rom.tgz");
  const char *urls[] = { url1, url2, url3, NULL };
  g_autoptr(UbDownload) download = new_mirror_download (urls, dir);
  const char *last_first[] = { url3, url2, NULL };
  g_autoptr(UbDownload) again = NULL;

  missing->status = 404;
  busy->status = 503;
  /* the last one is tried again as a lost connection would be: 1 + 2 retries */
  assert_fails_leaving_nothing (download, dir, UB_ONLINE_ERROR_NETWORK,
                                "The file could not be downloaded from any of the 3 servers "
                                "that have it. The last one failed: 127.0.0.1 failed 3 times in "
                                "a row (HTTP 503 Service Unavailable). Check the internet "
                                "connection and try again later.");
  g_assert_cmpuint (server_requests (missing), ==, 1);
  g_assert_cmpuint (server_requests (busy), ==, 3);

  /* a busy mirror with others after it is left at once */
  again = new_mirror_download (last_first, dir);
  assert_fails_leaving_nothing (again, dir, UB_ONLINE_ERROR_NETWORK,
                                "The file could not be downloaded from any of the 2 servers "
                                "that have it. The last one failed: 127.0.0.1 does not have "
                                "this file (HTTP 404 Not Found). Check the internet connection "
                                "and try again later.");
  g_assert_cmpuint (server_requests (busy), ==, 4);
  g_assert_cmpuint (server_requests (missing), ==, 2);
  ub_test_rm_rf (dir);
}

static void
test_state_nick (void)
{
  g_assert_cmpstr (ub_enum_nick (UB_TYPE_DOWNLOAD_STATE, UB_DOWNLOAD_STATE_DOWNLOADING), ==,
                   "downloading");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/download/url-checks", test_url_checks);
  g_test_add_func ("/download/md5-argument", test_md5_argument);
  g_test_add_func ("/download/full", test_full);
  g_test_add_func ("/download/already-present-by-size", test_already_present_by_size);
  g_test_add_func ("/download/progress-rate", test_progress_rate);
  g_test_add_func ("/download/drop-resumes", test_drop_resumes);
  g_test_add_func ("/download/range-ignored", test_range_ignored);
  g_test_add_func ("/download/chunked-cut", test_chunked_cut);
  g_test_add_func ("/download/chunked-cut-no-range", test_chunked_cut_no_range);
  g_test_add_func ("/download/wrong-content-range", test_wrong_content_range);
  g_test_add_func ("/download/md5-name-wrong", test_md5_name_wrong);
  g_test_add_func ("/download/md5-name-tar-gz", test_md5_name_tar_gz);
  g_test_add_func ("/download/md5-full-wrong", test_md5_full_wrong);
  g_test_add_func ("/download/damaged-final-replaced", test_damaged_final_replaced);
  g_test_add_func ("/download/damaged-part", test_damaged_part);
  g_test_add_func ("/download/http-error", test_http_error);
  g_test_add_func ("/download/redirects", test_redirects);
  g_test_add_func ("/download/retries-exhausted", test_retries_exhausted);
  g_test_add_func ("/download/no-space-announced", test_no_space_announced);
  g_test_add_func ("/download/disk-full/announced", test_disk_full_announced);
  g_test_add_func ("/download/disk-full/writing", test_disk_full_writing);
  g_test_add_func ("/download/cancel-keeps-part", test_cancel_keeps_part);
  g_test_add_func ("/download/pause-resume", test_pause_resume);
  g_test_add_func ("/download/resume-across-runs", test_resume_across_runs);
  g_test_add_func ("/download/resume-changed-file", test_resume_changed_file);
  g_test_add_func ("/download/part-already-complete", test_part_already_complete);
  g_test_add_func ("/download/state-nick", test_state_nick);
  g_test_add_func ("/download/expected-size", test_expected_size);
  g_test_add_func ("/download/mirrors/construction", test_mirrors_construction);
  g_test_add_func ("/download/mirrors/failover", test_mirrors_failover);
  g_test_add_func ("/download/mirrors/resume-on-next", test_mirrors_resume_on_next);
  g_test_add_func ("/download/mirrors/resume-across-runs", test_mirrors_resume_across_runs);
  g_test_add_func ("/download/mirrors/throttled", test_mirrors_throttled);
  g_test_add_func ("/download/mirrors/flaky", test_mirrors_flaky);
  g_test_add_func ("/download/mirrors/slow-last", test_mirrors_slow_last);
  g_test_add_func ("/download/mirrors/md5-wrong", test_mirrors_md5_wrong);
  g_test_add_func ("/download/mirrors/no-space", test_mirrors_no_space);
  g_test_add_func ("/download/mirrors/size-differs", test_mirrors_size_differs);
  g_test_add_func ("/download/mirrors/head-wrong", test_mirrors_head_wrong);
  g_test_add_func ("/download/mirrors/all-fail", test_mirrors_all_fail);
  g_test_add_func ("/download/mirrors/untrusted", test_mirrors_untrusted);
  return g_test_run ();
}
