/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <archive_entry.h>
#include <glib/gi18n.h>
#include <string.h>

#include "ub-rom-archive.h"
#include "ub-rom-entry-private.h"
#include "ub-rom-error.h"

/*
 * Validation of archive entries, before anything of them is written: names,
 * types, sizes, links. No I/O: what earlier entries made is in a UbRomEntrySet.
 */

char *
ub_rom_entry_display_name (const char *name)
{
  g_autofree char *valid = NULL;
  GString *s;

  if (name == NULL)
    return g_strdup ("?");
  valid = g_utf8_make_valid (name, -1);
  s = g_string_new (NULL);
  for (const char *p = valid; *p && s->len < 200; p = g_utf8_next_char (p))
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        g_string_append_c (s, '?');
      else
        g_string_append_unichar (s, g_utf8_get_char (p));
    }
  return g_string_free (s, FALSE);
}

void
ub_rom_entry_set_unsafe_error (GError    **error,
                               const char *name,
                               const char *reason)
{
  g_autofree char *shown = ub_rom_entry_display_name (name);

  g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_UNSAFE_PATH,
               /* TRANSLATORS: the first %s is an entry of the archive, the second says
                * what is wrong with it, e.g. "has an absolute path" */
               _("The archive was refused because it is unsafe: the entry “%s” %s. Genuine ROM "
                 "archives never contain such entries; download the ROM again from the official source."),
               shown, reason);
}
typedef enum {
  NODE_DIR = 1,
  NODE_FILE,
  NODE_LINK,
} NodeType;

struct _UbRomEntrySet
{
  GHashTable *nodes;         /* normalized path → NodeType */
  GHashTable *link_paths;    /* every path a link target passes through */
};

UbRomEntrySet *
ub_rom_entry_set_new (void)
{
  UbRomEntrySet *set = g_new0 (UbRomEntrySet, 1);

  set->nodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  set->link_paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return set;
}

void
ub_rom_entry_set_free (UbRomEntrySet *set)
{
  if (set == NULL)
    return;
  g_hash_table_unref (set->nodes);
  g_hash_table_unref (set->link_paths);
  g_free (set);
}

static gboolean
has_control_chars (const char *s)
{
  for (; *s; s++)
    if ((guchar) *s < 0x20 || *s == 0x7f)
      return TRUE;
  return FALSE;
}

/* Checks the text of a path; @what names the entry in errors. */
gboolean
ub_rom_entry_check_name (const char *name,
                         const char *entry,
                         GError    **error)
{
  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    {
      /* TRANSLATORS: this and the next reasons complete “the entry “%s” %s” in “The archive was
       * refused because it is unsafe…” */
      ub_rom_entry_set_unsafe_error (error, entry, _("has a name that is not valid text"));
      return FALSE;
    }
  if (has_control_chars (name))
    {
      ub_rom_entry_set_unsafe_error (error, entry, _("has control characters in its name"));
      return FALSE;
    }
  if (strlen (name) > UB_ROM_ENTRY_MAX_PATH_BYTES)
    {
      ub_rom_entry_set_unsafe_error (error, entry, _("has a name that is too long"));
      return FALSE;
    }
  return TRUE;
}

/* "./a//b/" → "a/b"; NULL (and an error) for absolute paths and "..". */
char *
ub_rom_entry_normalize_path (const char *name,
                             const char *entry,
                             GError    **error)
{
  g_auto(GStrv) parts = NULL;
  GString *out;

  if (name[0] == '/')
    {
      ub_rom_entry_set_unsafe_error (error, entry, _("has an absolute path"));
      return NULL;
    }
  parts = g_strsplit (name, "/", -1);
  out = g_string_new (NULL);
  for (guint i = 0; parts[i]; i++)
    {
      if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0)
        continue;
      if (strcmp (parts[i], "..") == 0)
        {
          ub_rom_entry_set_unsafe_error (error, entry, _("leaves its folder (it contains “..”)"));
          g_string_free (out, TRUE);
          return NULL;
        }
      if (out->len)
        g_string_append_c (out, '/');
      g_string_append (out, parts[i]);
    }
  return g_string_free (out, FALSE);
}

/* TRUE if a proper prefix of @path is a link. */
static gboolean
under_link (UbRomEntrySet *u,
            const char    *path)
{
  for (const char *p = strchr (path, '/'); p; p = strchr (p + 1, '/'))
    {
      g_autofree char *prefix = g_strndup (path, (gsize) (p - path));

      if (GPOINTER_TO_INT (g_hash_table_lookup (u->nodes, prefix)) == NODE_LINK)
        return TRUE;
    }
  return FALSE;
}

/* Resolves a link target lexically from the link's folder; every path it
 * passes through is remembered so that none of them can become a link later. */
static gboolean
check_link_target (UbRomEntrySet *u,
                   const char    *path,
                   const char    *target,
                   GError       **error)
{
  g_autofree char *shown = ub_rom_entry_display_name (target);
  g_autofree char *reason = NULL;
  g_auto(GStrv) parts = NULL;
  GPtrArray *stack = g_ptr_array_new_with_free_func (g_free);
  const char *slash = strrchr (path, '/');
  gboolean ok = TRUE;

  if (slash)
    {
      g_auto(GStrv) dirs = NULL;
      g_autofree char *dir = g_strndup (path, (gsize) (slash - path));

      dirs = g_strsplit (dir, "/", -1);
      for (guint i = 0; dirs[i]; i++)
        g_ptr_array_add (stack, g_strdup (dirs[i]));
    }
  if (target[0] == '/')
    ok = FALSE;
  parts = g_strsplit (target, "/", -1);
  for (guint i = 0; ok && parts[i]; i++)
    {
      g_autofree char *visited = NULL;

      if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0)
        continue;
      if (strcmp (parts[i], "..") == 0)
        {
          if (stack->len == 0)
            ok = FALSE;
          else
            g_ptr_array_remove_index (stack, stack->len - 1);
          continue;
        }
      g_ptr_array_add (stack, g_strdup (parts[i]));
      g_ptr_array_add (stack, NULL);
      visited = g_strjoinv ("/", (char **) stack->pdata);
      g_ptr_array_remove_index (stack, stack->len - 1);
      if (GPOINTER_TO_INT (g_hash_table_lookup (u->nodes, visited)) == NODE_LINK)
        {
          reason = g_strdup_printf (_("is a link that goes through another link (“%s”)"), shown);
          ub_rom_entry_set_unsafe_error (error, path, reason);
          g_ptr_array_unref (stack);
          return FALSE;
        }
      g_hash_table_add (u->link_paths, g_steal_pointer (&visited));
    }
  g_ptr_array_unref (stack);
  if (!ok)
    {
      reason = g_strdup_printf (_("is a link pointing outside the archive (“%s”)"), shown);
      ub_rom_entry_set_unsafe_error (error, path, reason);
    }
  return ok;
}

UbRomEntryVerdict
ub_rom_entry_validate (UbRomEntrySet        *set,
                       struct archive_entry *entry,
                       char                **path_out,
                       GError              **error)
{
  UbRomEntrySet *u = set;
  const char *raw = archive_entry_pathname (entry);
  const char *shown_raw = raw ? raw : archive_entry_pathname_utf8 (entry);
  const char *hardlink = archive_entry_hardlink (entry);
  g_autofree char *path = NULL;
  g_autofree char *link_path = NULL;
  NodeType type, existing;
  mode_t ftype = archive_entry_filetype (entry);

  if (!ub_rom_entry_check_name (raw, shown_raw, error))
    return UB_ROM_ENTRY_REFUSE;
  path = ub_rom_entry_normalize_path (raw, raw, error);
  if (path == NULL)
    return UB_ROM_ENTRY_REFUSE;

  if (hardlink)
    type = NODE_FILE;
  else if (ftype == AE_IFREG)
    type = NODE_FILE;
  else if (ftype == AE_IFDIR)
    type = NODE_DIR;
  else if (ftype == AE_IFLNK)
    type = NODE_LINK;
  else
    {
      ub_rom_entry_set_unsafe_error (error, raw, _("is a device, pipe or socket"));
      return UB_ROM_ENTRY_REFUSE;
    }
  if (hardlink && ftype != AE_IFREG && ftype != 0)
    {
      ub_rom_entry_set_unsafe_error (error, raw, _("is a device, pipe or socket"));
      return UB_ROM_ENTRY_REFUSE;
    }

  if (path[0] == '\0')
    {
      if (type == NODE_DIR)
        return UB_ROM_ENTRY_SKIP;
      ub_rom_entry_set_unsafe_error (error, raw, _("has no name"));
      return UB_ROM_ENTRY_REFUSE;
    }
  if (strcmp (path, UB_ROM_ARCHIVE_MARKER) == 0)
    {
      ub_rom_entry_set_unsafe_error (error, raw, _("uses a name reserved by Unbrick"));
      return UB_ROM_ENTRY_REFUSE;
    }
  if (under_link (u, path))
    {
      ub_rom_entry_set_unsafe_error (error, raw, _("would be written through a link"));
      return UB_ROM_ENTRY_REFUSE;
    }
  existing = GPOINTER_TO_INT (g_hash_table_lookup (u->nodes, path));
  if (existing && (existing != type || type == NODE_LINK))
    {
      ub_rom_entry_set_unsafe_error (error, raw, _("replaces an earlier entry of another kind"));
      return UB_ROM_ENTRY_REFUSE;
    }
  if (type == NODE_LINK && g_hash_table_contains (u->link_paths, path))
    {
      ub_rom_entry_set_unsafe_error (error, raw, _("is a link where an earlier link points through"));
      return UB_ROM_ENTRY_REFUSE;
    }
  /* a file where an earlier entry needs a folder */
  for (const char *p = strchr (path, '/'); p; p = strchr (p + 1, '/'))
    {
      g_autofree char *prefix = g_strndup (path, (gsize) (p - path));

      if (GPOINTER_TO_INT (g_hash_table_lookup (u->nodes, prefix)) == NODE_FILE)
        {
          ub_rom_entry_set_unsafe_error (error, raw, _("replaces an earlier entry of another kind"));
          return UB_ROM_ENTRY_REFUSE;
        }
    }

  if (type == NODE_LINK)
    {
      const char *target = archive_entry_symlink (entry);

      if (target == NULL || target[0] == '\0')
        {
          ub_rom_entry_set_unsafe_error (error, raw, _("is a link to nothing"));
          return UB_ROM_ENTRY_REFUSE;
        }
      if (!ub_rom_entry_check_name (target, raw, error) || !check_link_target (u, path, target, error))
        return UB_ROM_ENTRY_REFUSE;
    }
  if (hardlink)
    {
      g_autofree char *shown = ub_rom_entry_display_name (hardlink);
      g_autofree char *reason = g_strdup_printf (_("is a hard link to “%s”, which is outside the "
                                                   "archive or not unpacked before it"), shown);
      GError *local = NULL;

      if (!ub_rom_entry_check_name (hardlink, raw, error))
        return UB_ROM_ENTRY_REFUSE;
      link_path = ub_rom_entry_normalize_path (hardlink, raw, &local);
      g_clear_error (&local);
      if (link_path == NULL || under_link (u, link_path) ||
          GPOINTER_TO_INT (g_hash_table_lookup (u->nodes, link_path)) != NODE_FILE)
        {
          ub_rom_entry_set_unsafe_error (error, raw, reason);
          return UB_ROM_ENTRY_REFUSE;
        }
    }

  if (g_hash_table_size (u->nodes) >= UB_ROM_ENTRY_MAX_ENTRIES)
    {
      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_ARCHIVE,
                   /* TRANSLATORS: %d: a number of files */
                   _("The file could not be unpacked: it holds more than %d entries, far more than a "
                     "ROM. Check that you chose the right file."), UB_ROM_ENTRY_MAX_ENTRIES);
      return UB_ROM_ENTRY_REFUSE;
    }
  g_hash_table_replace (u->nodes, g_strdup (path), GINT_TO_POINTER (type));

  /* What archive_write_disk gets: the validated names, plain permissions,
   * no owner, ACLs, extended attributes or file flags. */
  archive_entry_set_pathname (entry, path);
  if (link_path)
    archive_entry_set_hardlink (entry, link_path);
  if (type == NODE_DIR)
    archive_entry_set_perm (entry, 0755);
  else if (type == NODE_FILE)
    archive_entry_set_perm (entry, (archive_entry_perm (entry) & 0111) ? 0755 : 0644);
  archive_entry_acl_clear (entry);
  archive_entry_xattr_clear (entry);
  archive_entry_set_fflags (entry, 0, 0);
  archive_entry_set_uid (entry, 0);
  archive_entry_set_gid (entry, 0);
  archive_entry_set_uname (entry, NULL);
  archive_entry_set_gname (entry, NULL);

  if (path_out)
    *path_out = g_steal_pointer (&path);
  return UB_ROM_ENTRY_WRITE;
}
