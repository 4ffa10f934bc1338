/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ub-digest-cache.h"

#define MAX_ENTRIES 4096

/* One line per file: "<md5> <stamp> <unix time> <absolute path>" */
typedef struct {
  char   *md5;
  char   *stamp;
  gint64  time;
} Entry;

struct _UbDigestCache
{
  GMutex      lock;
  char       *path;
  GHashTable *entries;   /* file → Entry */
  gboolean    dirty;
};

static void
entry_free (Entry *e)
{
  g_free (e->md5);
  g_free (e->stamp);
  g_free (e);
}

char *
ub_digest_cache_stamp (const char *file)
{
  struct stat st;

  if (stat (file, &st) != 0 || !S_ISREG (st.st_mode))
    return NULL;
  return g_strdup_printf ("%lx:%lx:%lx:%lx.%09lx:%lx.%09lx", (unsigned long) st.st_dev,
                          (unsigned long) st.st_ino, (unsigned long) st.st_size,
                          (unsigned long) st.st_mtim.tv_sec, (unsigned long) st.st_mtim.tv_nsec,
                          (unsigned long) st.st_ctim.tv_sec, (unsigned long) st.st_ctim.tv_nsec);
}

UbDigestCache *
ub_digest_cache_new (const char *path)
{
  UbDigestCache *self = g_new0 (UbDigestCache, 1);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  g_mutex_init (&self->lock);
  self->path = path ? g_strdup (path)
                    : g_build_filename (g_get_user_cache_dir (), "unbrick", "digests.txt", NULL);
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) entry_free);
  if (!g_file_get_contents (self->path, &text, NULL, NULL))
    return self;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], " ", 4);
      Entry *e;

      if (g_strv_length (f) != 4 || strlen (f[0]) != 32 || f[3][0] != '/')
        continue;
      e = g_new0 (Entry, 1);
      e->md5 = g_strdup (f[0]);
      e->stamp = g_strdup (f[1]);
      e->time = g_ascii_strtoll (f[2], NULL, 10);
      g_hash_table_replace (self->entries, g_strdup (f[3]), e);
    }
  return self;
}

void
ub_digest_cache_free (UbDigestCache *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->entries);
  g_free (self->path);
  g_mutex_clear (&self->lock);
  g_free (self);
}

char *
ub_digest_cache_lookup (UbDigestCache *self,
                        const char    *file)
{
  g_autofree char *stamp = ub_digest_cache_stamp (file);
  char *md5 = NULL;
  Entry *e;

  if (stamp == NULL)
    return NULL;
  g_mutex_lock (&self->lock);
  e = g_hash_table_lookup (self->entries, file);
  if (e != NULL && g_str_equal (e->stamp, stamp))
    md5 = g_strdup (e->md5);
  g_mutex_unlock (&self->lock);
  return md5;
}

void
ub_digest_cache_store (UbDigestCache *self,
                       const char    *file,
                       const char    *stamp,
                       const char    *md5)
{
  g_autofree char *now = ub_digest_cache_stamp (file);
  Entry *e;

  /* changed while it was hashed, or a name the file format cannot hold */
  if (now == NULL || stamp == NULL || !g_str_equal (now, stamp) || file[0] != '/' ||
      strchr (file, '\n') != NULL || strlen (md5) != 32)
    return;
  e = g_new0 (Entry, 1);
  e->md5 = g_ascii_strdown (md5, -1);
  e->stamp = g_steal_pointer (&now);
  e->time = g_get_real_time () / G_USEC_PER_SEC;
  g_mutex_lock (&self->lock);
  g_hash_table_replace (self->entries, g_strdup (file), e);
  self->dirty = TRUE;
  g_mutex_unlock (&self->lock);
}

static gint
newest_first (gconstpointer a,
              gconstpointer b)
{
  const Entry *x = ((const Entry *const *) a)[1], *y = ((const Entry *const *) b)[1];
  return x->time < y->time ? 1 : x->time > y->time ? -1 : 0;
}

gboolean
ub_digest_cache_save (UbDigestCache *self,
                      GError       **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GArray) pairs = g_array_new (FALSE, FALSE, sizeof (gpointer) * 2);
  g_autofree char *dir = g_path_get_dirname (self->path);
  GHashTableIter iter;
  gpointer pair[2];
  gboolean ok;

  g_mutex_lock (&self->lock);
  if (!self->dirty)
    {
      g_mutex_unlock (&self->lock);
      return TRUE;
    }
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &pair[0], &pair[1]))
    g_array_append_vals (pairs, pair, 1);
  g_array_sort (pairs, newest_first);
  for (guint i = 0; i < pairs->len && i < MAX_ENTRIES; i++)
    {
      const char *file = g_array_index (pairs, gpointer, 2 * i);
      const Entry *e = g_array_index (pairs, gpointer, 2 * i + 1);
      g_string_append_printf (out, "%s %s %" G_GINT64_FORMAT " %s\n", e->md5, e->stamp, e->time, file);
    }
  self->dirty = FALSE;
  g_mutex_unlock (&self->lock);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  ok = g_file_set_contents_full (self->path, out->str, out->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
  return ok;
}
