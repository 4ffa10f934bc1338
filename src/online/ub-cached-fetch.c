/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "ub-cached-fetch.h"
#include "ub-online-error.h"
#include "ub-online-uri.h"

#define IO_TIMEOUT_S   30
#define CHUNK_SIZE     (64 * 1024)
#define META_GROUP     "fetch"

/* ---- the cached copy */

/* Threads of one process (several phones' catalogs at once) never interleave
 * their writes to the same "<cache_path>.tmp", nor read a copy half replaced.
 * Held for file work only, never across a request. */
static GMutex cache_lock;

typedef struct
{
  GBytes    *bytes;          /* NULL: no usable copy */
  char      *etag;
  char      *last_modified;
  GDateTime *fetched;        /* UTC */
} Cached;

static void
cached_clear (Cached *cached)
{
  g_clear_pointer (&cached->bytes, g_bytes_unref);
  g_clear_pointer (&cached->etag, g_free);
  g_clear_pointer (&cached->last_modified, g_free);
  g_clear_pointer (&cached->fetched, g_date_time_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Cached, cached_clear)

static char *
meta_path (const char *cache_path)
{
  return g_strconcat (cache_path, ".meta", NULL);
}

static char *
tmp_path (const char *cache_path)
{
  return g_strconcat (cache_path, ".tmp", NULL);
}

static char *
key_file_get_nonempty (GKeyFile   *key_file,
                       const char *key)
{
  g_autofree char *value = g_key_file_get_string (key_file, META_GROUP, key, NULL);

  return value != NULL && value[0] != '\0' ? g_steal_pointer (&value) : NULL;
}

/* The copy and its validators, when both files are there, readable, for this URL
 * and within @max_size; else an empty Cached (the copy is fetched again). */
static void
cached_load (Cached     *cached,
             const char *cache_path,
             const char *url,
             gsize       max_size)
{
  g_autofree char *meta = meta_path (cache_path);
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autofree char *fetched = NULL;
  g_autofree char *cached_url = NULL;
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!g_key_file_load_from_file (key_file, meta, G_KEY_FILE_NONE, NULL))
    return;
  cached_url = key_file_get_nonempty (key_file, "url");
  if (cached_url != NULL && g_strcmp0 (cached_url, url) != 0)
    {
      g_debug ("%s: cached from %s, not %s", cache_path, cached_url, url);
      return;
    }
  fetched = key_file_get_nonempty (key_file, "fetched");
  if (fetched == NULL)
    return;
  time = g_date_time_new_from_iso8601 (fetched, NULL);
  if (time == NULL)
    return;
  mapped = g_mapped_file_new (cache_path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_debug ("%s: %s", cache_path, local_error->message);
      return;
    }
  if (g_mapped_file_get_length (mapped) > max_size)
    return;
  /* a copy, not the mapping: the file is replaced by later fetches */
  cached->bytes = g_bytes_new (g_mapped_file_get_contents (mapped),
                               g_mapped_file_get_length (mapped));
  cached->etag = key_file_get_nonempty (key_file, "etag");
  cached->last_modified = key_file_get_nonempty (key_file, "last-modified");
  cached->fetched = g_date_time_to_utc (time);
}

static gboolean
meta_save (const char *cache_path,
           const char *url,
           const char *etag,
           const char *last_modified,
           GDateTime  *fetched,
           GError    **error)
{
  g_autofree char *meta = meta_path (cache_path);
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autofree char *time = g_date_time_format (fetched, "%Y-%m-%dT%H:%M:%SZ");

  g_key_file_set_string (key_file, META_GROUP, "url", url);
  if (etag != NULL)
    g_key_file_set_string (key_file, META_GROUP, "etag", etag);
  if (last_modified != NULL)
    g_key_file_set_string (key_file, META_GROUP, "last-modified", last_modified);
  g_key_file_set_string (key_file, META_GROUP, "fetched", time);
  return g_key_file_save_to_file (key_file, meta, error);
}

/* Body to "<cache_path>.tmp", renamed over the copy; the old validators are gone
 * first, so a crash half way never pairs new data with old validators. */
static gboolean
cache_save (const char *cache_path,
            const char *url,
            GBytes     *bytes,
            const char *etag,
            const char *last_modified,
            GDateTime  *fetched,
            GError    **error)
{
  g_autofree char *dir = g_path_get_dirname (cache_path);
  g_autofree char *meta = meta_path (cache_path);
  g_autofree char *tmp = tmp_path (cache_path);
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  if (g_unlink (meta) != 0 && errno != ENOENT)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: %s", meta, g_strerror (saved));
      return FALSE;
    }
  if (!g_file_set_contents_full (tmp, data != NULL ? data : "", size,
                                 G_FILE_SET_CONTENTS_NONE, 0600, error))
    {
      g_unlink (tmp);
      return FALSE;
    }
  if (g_rename (tmp, cache_path) != 0)
    {
      int saved = errno;
      g_unlink (tmp);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: %s", cache_path, g_strerror (saved));
      return FALSE;
    }
  return meta_save (cache_path, url, etag, last_modified, fetched, error);
}

/* Under cache_lock. */
static void
discard_locked (const char *cache_path)
{
  g_autofree char *meta = meta_path (cache_path);
  g_autofree char *tmp = tmp_path (cache_path);

  /* the validators first: a copy without them is never used */
  g_unlink (meta);
  g_unlink (cache_path);
  g_unlink (tmp);
}

void
ub_cached_fetch_discard (const char *cache_path)
{
  g_return_if_fail (cache_path != NULL);

  g_mutex_lock (&cache_lock);
  discard_locked (cache_path);
  g_mutex_unlock (&cache_lock);
}

/* ---- the request */

typedef enum {
  FETCH_OK,           /* a new body */
  FETCH_NOT_MODIFIED, /* 304: the cached copy still holds */
  FETCH_UNREACHABLE,  /* network, timeout or HTTP error: the cached copy may stand in */
  FETCH_FATAL,        /* refused address, bad data, cancelled: an error whatever is cached */
} FetchResult;

static void
set_too_large (GError    **error,
               GUri       *uri,
               guint64     size,
               gsize       max_size)
{
  g_autofree char *shown = g_uri_to_string_partial (uri, G_URI_HIDE_PASSWORD);
  g_autofree char *limit = g_format_size (max_size);

  if (size > 0)
    {
      g_autofree char *text = g_format_size (size);
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA,
                   /* TRANSLATORS: a web address, then two sizes such as “12.3 MB” */
                   _("The catalog at %s (%s) is larger than %s; refusing it."),
                   shown, text, limit);
    }
  else
    g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA,
                 /* TRANSLATORS: a web address, then a size such as “12.3 MB” */
                 _("The catalog at %s is larger than %s; refusing it."), shown, limit);
}

/* Reads all of @stream, at most @max_size bytes. */
static GBytes *
read_bounded (GInputStream *stream,
              GUri         *uri,
              gsize         max_size,
              GCancellable *cancellable,
              FetchResult  *result,
              GError      **error)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GError) local_error = NULL;

  for (;;)
    {
      gsize before = body->len;
      gssize n;

      g_byte_array_set_size (body, before + CHUNK_SIZE);
      n = g_input_stream_read (stream, body->data + before, CHUNK_SIZE, cancellable,
                               &local_error);
      g_byte_array_set_size (body, n > 0 ? before + n : before);
      if (n == 0)
        break;
      if (n < 0)
        {
          g_autofree char *host = g_strdup (g_uri_get_host (uri));

          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              *result = FETCH_FATAL;
              g_propagate_error (error, g_steal_pointer (&local_error));
            }
          else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
            {
              /* the server closed before the length it announced */
              *result = FETCH_FATAL;
              g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA,
                           /* TRANSLATORS: %s: a server's name */
                           _("The catalog from %s arrived incomplete. Try again later."), host);
            }
          else
            {
              *result = FETCH_UNREACHABLE;
              g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                           /* TRANSLATORS: %s: a server's name, then a technical reason */
                           _("The connection to %s failed while reading the catalog: %s"),
                           host, local_error->message);
            }
          return NULL;
        }
      if (body->len > max_size)
        {
          *result = FETCH_FATAL;
          set_too_large (error, uri, 0, max_size);
          return NULL;
        }
    }
  g_input_stream_close (stream, NULL, NULL);
  return g_byte_array_free_to_bytes (g_steal_pointer (&body));
}

/*
 * One GET (following redirects, each checked like the first address). On FETCH_OK
 * @bytes, @etag, @last_modified are the new copy's; on FETCH_NOT_MODIFIED the
 * validators are the server's fresh ones, if it sent any.
 */
static FetchResult
request (SoupSession  *session,
         GUri         *first_uri,
         const Cached *cached,
         gsize         max_size,
         GBytes      **bytes,
         char        **etag,
         char        **last_modified,
         GCancellable *cancellable,
         GError      **error)
{
  g_autoptr(GUri) uri = g_uri_ref (first_uri);
  guint redirects = 0;
  g_autoptr(GUri) next = NULL;

  for (;;)
    {
      g_autoptr(SoupMessage) msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
      SoupMessageHeaders *request_headers = soup_message_get_request_headers (msg);
      SoupMessageHeaders *response = soup_message_get_response_headers (msg);
      g_autoptr(GInputStream) stream = NULL;
      g_autoptr(GError) local_error = NULL;
      const char *host = g_uri_get_host (uri);
      FetchResult result = FETCH_FATAL;
      guint status;

      soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
      if (cached->bytes != NULL && cached->etag != NULL)
        soup_message_headers_replace (request_headers, "If-None-Match", cached->etag);
      if (cached->bytes != NULL && cached->last_modified != NULL)
        soup_message_headers_replace (request_headers, "If-Modified-Since",
                                      cached->last_modified);

      stream = soup_session_send (session, msg, cancellable, &local_error);
      if (stream == NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FETCH_FATAL;
            }
          g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                       /* TRANSLATORS: %s: a server's name, then a technical reason */
                       _("Could not reach %s to fetch the catalog: %s"),
                       host, local_error->message);
          return FETCH_UNREACHABLE;
        }
      status = soup_message_get_status (msg);

      if (ub_online_uri_redirect (msg, uri, &redirects, &next))
        {
          const char *location = soup_message_headers_get_one (response, "Location");

          g_input_stream_close (stream, NULL, NULL);
          if (next == NULL)
            {
              g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                           _("The server %s sent the catalog to an invalid address. Try "
                             "again later."), host);
              return FETCH_UNREACHABLE;
            }
          if (!ub_online_uri_check (next, location, error))
            return FETCH_FATAL;
          g_clear_pointer (&uri, g_uri_unref);
          uri = g_steal_pointer (&next);
          continue;
        }

      if (status == SOUP_STATUS_NOT_MODIFIED && cached->bytes != NULL)
        {
          g_input_stream_close (stream, NULL, NULL);
          *etag = g_strdup (soup_message_headers_get_one (response, "ETag"));
          *last_modified = g_strdup (soup_message_headers_get_one (response, "Last-Modified"));
          return FETCH_NOT_MODIFIED;
        }

      if (status != SOUP_STATUS_OK)
        {
          const char *reason = soup_message_get_reason_phrase (msg);

          g_input_stream_close (stream, NULL, NULL);
          g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                       /* TRANSLATORS: %s: a server's name; HTTP %u %s: its answer, e.g.
                        * “HTTP 404 Not Found”, in English */
                       _("The server %s did not send the catalog (HTTP %u %s). Try again "
                         "later."), host, status, reason != NULL ? reason : "");
          return FETCH_UNREACHABLE;
        }

      if (soup_message_headers_get_encoding (response) == SOUP_ENCODING_CONTENT_LENGTH)
        {
          goffset length = soup_message_headers_get_content_length (response);

          if (length > 0 && (guint64) length > max_size)
            {
              g_input_stream_close (stream, NULL, NULL);
              set_too_large (error, uri, length, max_size);
              return FETCH_FATAL;
            }
        }

      *bytes = read_bounded (stream, uri, max_size, cancellable, &result, error);
      if (*bytes == NULL)
        return result;
      *etag = g_strdup (soup_message_headers_get_one (response, "ETag"));
      *last_modified = g_strdup (soup_message_headers_get_one (response, "Last-Modified"));
      return FETCH_OK;
    }
}

/* ---- entry point */

/* Whole seconds, as the .meta keeps it: the time returned is the one read back later. */
static GDateTime *
now_utc (void)
{
  return g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC);
}

static void
set_out (GDateTime **fetched_out,
         GDateTime  *fetched,
         gboolean   *offline_out,
         gboolean    offline)
{
  if (fetched_out != NULL)
    *fetched_out = g_date_time_ref (fetched);
  if (offline_out != NULL)
    *offline_out = offline;
}

GBytes *
ub_cached_fetch (SoupSession   *session,
                 const char    *url,
                 const char    *cache_path,
                 GTimeSpan      max_age,
                 gsize          max_size,
                 GDateTime    **fetched,
                 gboolean      *offline,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_auto(Cached) cached = { NULL, };
  g_autofree char *clean = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(SoupSession) own_session = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *last_modified = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GError) save_error = NULL;
  FetchResult result;

  g_return_val_if_fail (session == NULL || SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (cache_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (fetched != NULL)
    *fetched = NULL;
  if (offline != NULL)
    *offline = FALSE;

  /* a refused address is an error even with a cached copy: it is the setting that is wrong */
  clean = g_strstrip (g_strdup (url));
  uri = g_uri_parse (clean, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL)
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL,
                   _("“%s” is not a web address. Check the catalog address in the "
                     "settings (it starts with https://)."), clean);
      return NULL;
    }
  if (!ub_online_uri_check (uri, clean, error))
    return NULL;

  g_mutex_lock (&cache_lock);
  cached_load (&cached, cache_path, clean, max_size);
  g_mutex_unlock (&cache_lock);
  now = now_utc ();
  if (cached.bytes != NULL)
    {
      GTimeSpan age = g_date_time_difference (now, cached.fetched);

      /* a time in the future (the clock was changed) counts as stale */
      if (age >= 0 && age < max_age)
        {
          set_out (fetched, cached.fetched, offline, FALSE);
          return g_bytes_ref (cached.bytes);
        }
    }

  if (session == NULL)
    session = own_session = soup_session_new_with_options ("user-agent", "Unbrick/" PACKAGE_VERSION,
                                                           "timeout", IO_TIMEOUT_S,
                                                           "idle-timeout", IO_TIMEOUT_S,
                                                           NULL);

  result = request (session, uri, &cached, max_size, &bytes, &etag, &last_modified,
                    cancellable, &local_error);
  switch (result)
    {
    case FETCH_OK:
      g_clear_pointer (&now, g_date_time_unref);
      now = now_utc ();
      g_mutex_lock (&cache_lock);
      if (!cache_save (cache_path, clean, bytes, etag, last_modified, now, &save_error))
        {
          /* still good to show; fetched again next time */
          g_warning ("Could not cache %s in %s: %s", clean, cache_path, save_error->message);
          discard_locked (cache_path);
        }
      g_mutex_unlock (&cache_lock);
      set_out (fetched, now, offline, FALSE);
      return g_steal_pointer (&bytes);

    case FETCH_NOT_MODIFIED:
      g_clear_pointer (&now, g_date_time_unref);
      now = now_utc ();
      g_mutex_lock (&cache_lock);
      if (!meta_save (cache_path, clean,
                      etag != NULL ? etag : cached.etag,
                      last_modified != NULL ? last_modified : cached.last_modified,
                      now, &save_error))
        g_warning ("Could not update %s.meta: %s", cache_path, save_error->message);
      g_mutex_unlock (&cache_lock);
      set_out (fetched, now, offline, FALSE);
      return g_bytes_ref (cached.bytes);

    case FETCH_UNREACHABLE:
      if (cached.bytes != NULL)
        {
          g_debug ("%s: offline, using the copy of %s: %s", clean, cache_path,
                   local_error->message);
          set_out (fetched, cached.fetched, offline, TRUE);
          return g_bytes_ref (cached.bytes);
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;

    case FETCH_FATAL:
    default:
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
}
