/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ub-enum-nick.h"
#include "ub-rom.h"
#include "ub-rom-archive-private.h"
#include "ub-rom-error.h"
#include "ub-rom-name.h"

struct _UbRom
{
  GObject     parent_instance;
  char       *source;
  char       *path;
  char       *real_path;      /* symlinks resolved, for containment checks */
  GHashTable *misc;           /* misc.txt */
  char       *version;
  char       *android;
  char       *region;
  GStrv       codenames;
  char       *script_names[UB_ROM_N_MODES];
  UbScript   *scripts[UB_ROM_N_MODES];
  GError     *script_errors[UB_ROM_N_MODES];
  GHashTable *md5sums;
  GHashTable *known_digests;
  UbRomArchive *archive;      /* the unpack's, which keeps it in use (not pruned) */
};

G_DEFINE_FINAL_TYPE (UbRom, ub_rom, G_TYPE_OBJECT)

/* In order of preference; a .sh wins over its .bat twin. */
static const char *const clean_all_scripts[] = { "flash_all.sh", "flash_all.bat", NULL };
static const char *const keep_data_scripts[] = {
  "flash_all_except_storage.sh", "flash_all_except_data_storage.sh", "flash_all_except_data.sh",
  "flash_all_except_storage.bat", "flash_all_except_data_storage.bat", "flash_all_except_data.bat",
  NULL
};
static const char *const lock_scripts[] = { "flash_all_lock.sh", "flash_all_lock.bat", NULL };
static const char *const *const mode_scripts[] = { clean_all_scripts, keep_data_scripts, lock_scripts };

const char *
ub_rom_mode_to_string (UbRomMode mode)
{
  g_return_val_if_fail ((guint) mode < UB_ROM_N_MODES, NULL);
  return ub_enum_nick (UB_TYPE_ROM_MODE, mode);
}

gboolean
ub_rom_mode_from_string (const char *text,
                         UbRomMode  *mode)
{
  gint value;

  if (!ub_enum_from_nick (UB_TYPE_ROM_MODE, text, &value))
    return FALSE;
  *mode = value;
  return TRUE;
}

const char *
ub_rom_mode_get_title (UbRomMode mode)
{
  switch (mode)
    {
    case UB_ROM_MODE_CLEAN_ALL:
      /* TRANSLATORS: a mode: erase the phone and flash the ROM */
      return _("Clean all");
    case UB_ROM_MODE_KEEP_DATA:
      /* TRANSLATORS: a mode: flash the ROM and keep the user's files and apps */
      return _("Keep my data");
    case UB_ROM_MODE_CLEAN_ALL_LOCK:
      /* TRANSLATORS: a mode: erase the phone, flash the ROM and lock the bootloader */
      return _("Clean all and lock");
    default:
      g_return_val_if_reached (NULL);
    }
}

static void
ub_rom_finalize (GObject *object)
{
  UbRom *self = UB_ROM (object);

  g_free (self->source);
  g_free (self->path);
  g_free (self->real_path);
  g_clear_pointer (&self->misc, g_hash_table_unref);
  g_free (self->version);
  g_free (self->android);
  g_free (self->region);
  g_strfreev (self->codenames);
  for (guint i = 0; i < UB_ROM_N_MODES; i++)
    {
      g_free (self->script_names[i]);
      g_clear_object (&self->scripts[i]);
      g_clear_error (&self->script_errors[i]);
    }
  g_clear_pointer (&self->md5sums, g_hash_table_unref);
  g_clear_pointer (&self->known_digests, g_hash_table_unref);
  g_clear_object (&self->archive);
  G_OBJECT_CLASS (ub_rom_parent_class)->finalize (object);
}

static void
ub_rom_class_init (UbRomClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_rom_finalize;
}

static void
ub_rom_init (UbRom *self)
{
}

static gboolean
is_script_name (const char *name)
{
  return g_str_has_prefix (name, "flash_all") &&
         (g_str_has_suffix (name, ".sh") || g_str_has_suffix (name, ".bat"));
}

static gboolean
holds_scripts (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return FALSE;
  while ((name = g_dir_read_name (d)) != NULL)
    if (is_script_name (name))
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
          return TRUE;
      }
  return FALSE;
}

/* Folders under @dir (up to @depth levels) that hold flash scripts. */
static void
find_roots (const char *dir,
            guint       depth,
            GPtrArray  *found)
{
  g_autoptr(GDir) d = NULL;
  const char *name;

  if (holds_scripts (dir))
    {
      g_ptr_array_add (found, g_strdup (dir));
      return;
    }
  if (depth == 0 || (d = g_dir_open (dir, 0, NULL)) == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = NULL;
      GStatBuf st;

      if (name[0] == '.')
        continue;
      child = g_build_filename (dir, name, NULL);
      /* one lstat: a folder, not a link to one */
      if (g_lstat (child, &st) == 0 && S_ISDIR (st.st_mode))
        find_roots (child, depth - 1, found);
    }
}

static GHashTable *
read_misc (const char *root)
{
  g_autofree char *path = g_build_filename (root, "misc.txt", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *misc = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return misc;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *eq = strchr (lines[i], '=');
      if (eq == NULL)
        continue;
      *eq = '\0';
      g_hash_table_replace (misc, g_strstrip (g_strdup (lines[i])), g_strstrip (g_strdup (eq + 1)));
    }
  return misc;
}

/* ---- md5sum.xml: <root><digests><digest hash="md5" name="x">hex</digest>… */

typedef struct {
  GHashTable *table;
  char       *name;    /* inside a md5 <digest> */
  GString    *text;
} Md5Parse;

static void
md5_start (GMarkupParseContext *context,
           const char          *element,
           const char         **names,
           const char         **values,
           gpointer             user_data,
           GError             **error)
{
  Md5Parse *p = user_data;
  const char *hash = NULL, *name = NULL;

  if (!g_str_equal (element, "digest"))
    return;
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (g_str_equal (names[i], "hash"))
        hash = values[i];
      else if (g_str_equal (names[i], "name"))
        name = values[i];
    }
  if (hash != NULL && g_ascii_strcasecmp (hash, "md5") == 0 && name != NULL)
    {
      g_free (p->name);
      p->name = g_strdup (name);
      g_string_truncate (p->text, 0);
    }
}

static void
md5_text (GMarkupParseContext *context,
          const char          *text,
          gsize                len,
          gpointer             user_data,
          GError             **error)
{
  Md5Parse *p = user_data;

  if (p->name != NULL)
    g_string_append_len (p->text, text, len);
}

static void
md5_end (GMarkupParseContext *context,
         const char          *element,
         gpointer             user_data,
         GError             **error)
{
  Md5Parse *p = user_data;
  g_autofree char *hex = NULL;

  if (!g_str_equal (element, "digest") || p->name == NULL)
    return;
  hex = g_ascii_strdown (g_strstrip (p->text->str), -1);
  if (strlen (hex) == 32 && strspn (hex, "0123456789abcdef") == 32 &&
      strchr (p->name, '/') == NULL && strchr (p->name, '\\') == NULL)
    g_hash_table_replace (p->table, g_strconcat ("images/", p->name, NULL), g_steal_pointer (&hex));
  g_clear_pointer (&p->name, g_free);
}

static GHashTable *
read_md5sums (const char *root,
              GError    **error)
{
  static const GMarkupParser parser = { md5_start, md5_end, md5_text, NULL, NULL };
  g_autofree char *path = g_build_filename (root, "md5sum.xml", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  Md5Parse p = { 0 };
  gsize len;

  if (!g_file_get_contents (path, &text, &len, NULL))
    return NULL;
  p.table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  p.text = g_string_new (NULL);
  context = g_markup_parse_context_new (&parser, 0, &p, NULL);
  if (!g_markup_parse_context_parse (context, text, len, error) ||
      !g_markup_parse_context_end_parse (context, error))
    {
      /* TRANSLATORS: put before an error; md5sum.xml is a file name: keep it */
      g_prefix_error (error, _("md5sum.xml is damaged: "));
      g_hash_table_unref (p.table);
      p.table = NULL;
    }
  g_free (p.name);
  g_string_free (p.text, TRUE);
  return p.table;
}

static void
read_folder_name (UbRom *self)
{
  g_autofree char *base = g_path_get_basename (self->path);
  g_autofree char *region = NULL;
  const char *misc_version;

  misc_version = g_hash_table_lookup (self->misc, "mi_os_build_version");
  if (misc_version == NULL || misc_version[0] == '\0')
    misc_version = g_hash_table_lookup (self->misc, "build_number");
  if (misc_version != NULL && misc_version[0] != '\0')
    self->version = g_strdup (misc_version);

  if ((self->version != NULL && ub_rom_name_parse_build (self->version, NULL, &region)) ||
      ub_rom_name_parse_build (base, self->version == NULL ? &self->version : NULL, &region))
    self->region = g_strdup (ub_rom_name_region_name (region));
  self->android = ub_rom_name_dup_android (self->path);
}

/* The step's conditions on the ROM folder's name (the others are decided later). */
static gboolean
folder_conditions_hold (const UbFlashStep *step,
                        const char        *folder)
{
  for (guint c = 0; c < step->conditions->len; c++)
    {
      const UbCondition *cond = g_ptr_array_index (step->conditions, c);
      gboolean matches = FALSE;

      /* a name cmd would not expand as it is: the preflight refuses it */
      if (cond->kind == UB_CONDITION_FOLDER &&
          (!ub_folder_name_is_plain (folder) ||
           !ub_folder_name_matches (cond->pattern, folder, &matches, NULL) ||
           matches == cond->negate))
        return FALSE;
    }
  return TRUE;
}

/* A recovery ROM (a full OTA .zip, or the folder unpacked from one) where a
 * fastboot ROM was expected: what it is and which way to go instead. */
static void
set_recovery_rom_error (GError **error)
{
  g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_NOT_A_ROM,
                       _("This is a recovery ROM (installed through Xiaomi’s recovery), not a "
                         "fastboot ROM. For a phone whose bootloader is unlocked, pick the "
                         "fastboot ROM (a .tgz file). For a locked phone, start its recovery in "
                         "“Connect with MIAssistant” mode: Unbrick installs the recovery ROM "
                         "there."));
}

/* The files of a full OTA package (a recovery ROM) at the top of @path. */
static gboolean
holds_ota (const char *path)
{
  static const char *const marks[] = {
    "payload.bin", "META-INF/com/google/android/update-binary", "META-INF/com/android/metadata",
  };

  for (guint i = 0; i < G_N_ELEMENTS (marks); i++)
    {
      g_autofree char *mark = g_build_filename (path, marks[i], NULL);

      if (g_file_test (mark, G_FILE_TEST_EXISTS))
        return TRUE;
    }
  return FALSE;
}

UbRom *
ub_rom_new_for_folder (const char *path,
                       GError    **error)
{
  g_autoptr(UbRom) self = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) local = NULL;
  char *real;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("“%s” is not a folder"), path);
      return NULL;
    }
  find_roots (path, 2, found);
  if (found->len == 0)
    {
      g_autofree char *images = g_build_filename (path, "..", "flash_all.sh", NULL);
      if (g_str_has_suffix (path, "images") && holds_scripts (images))
        g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_NOT_A_ROM,
                     _("This is the ROM's “images” folder. Pick the folder above it, which holds "
                       "flash_all.sh."));
      else if (holds_ota (path))
        set_recovery_rom_error (error);
      else
        g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_NOT_A_ROM,
                     _("This folder does not hold a Xiaomi fastboot ROM (there is no flash_all.sh "
                       "or flash_all.bat). Pick the folder you unpacked from the .tgz file, or the "
                       ".tgz file itself."));
      return NULL;
    }
  if (found->len > 1)
    {
      g_autoptr(GString) list = g_string_new (NULL);
      for (guint i = 0; i < found->len; i++)
        {
          g_autofree char *base = g_path_get_basename (g_ptr_array_index (found, i));
          g_string_append_printf (list, "%s%s", i ? ", " : "", base);
        }
      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_AMBIGUOUS,
                   /* TRANSLATORS: %s: folder names */
                   _("This folder holds several ROMs (%s). Pick the one you want."), list->str);
      return NULL;
    }

  self = g_object_new (UB_TYPE_ROM, NULL);
  self->source = g_strdup (path);
  self->path = g_strdup (g_ptr_array_index (found, 0));
  real = realpath (self->path, NULL);
  self->real_path = g_strdup (real ? real : self->path);
  free (real);
  self->misc = read_misc (self->path);
  self->md5sums = read_md5sums (self->path, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  read_folder_name (self);

  for (guint m = 0; m < UB_ROM_N_MODES; m++)
    {
      for (guint i = 0; mode_scripts[m][i] != NULL; i++)
        {
          g_autofree char *script_path = g_build_filename (self->path, mode_scripts[m][i], NULL);

          if (!g_file_test (script_path, G_FILE_TEST_IS_REGULAR))
            continue;
          self->script_names[m] = g_strdup (mode_scripts[m][i]);
          self->scripts[m] = ub_script_new_from_file (script_path, &self->script_errors[m]);
          break;
        }
      if (self->script_names[m] == NULL)
        g_set_error (&self->script_errors[m], UB_ROM_ERROR, UB_ROM_ERROR_MODE_UNAVAILABLE,
                     /* TRANSLATORS: a mode (“Clean all”…), then its script's file name */
                     _("This ROM has no script for “%s” (%s)."), ub_rom_mode_get_title (m),
                     mode_scripts[m][0]);
      if (self->scripts[m] == NULL)
        continue;
      {
        GPtrArray *steps = ub_script_get_steps (self->scripts[m]);
        g_autofree char *folder = g_path_get_basename (self->path);

        for (guint i = 0; i < steps->len; i++)
          {
            UbFlashStep *step = g_ptr_array_index (steps, i);

            /* a product check for another folder name is not this ROM's */
            if (step->kind != UB_STEP_CHECK_PRODUCT || !folder_conditions_hold (step, folder))
              continue;
            for (guint k = 0; step->codenames[k]; k++)
              if (g_hash_table_add (seen, step->codenames[k]))
                g_strv_builder_add (names, step->codenames[k]);
          }
      }
    }
  if (g_hash_table_size (seen) == 0 && ub_rom_get_device (self) != NULL)
    g_strv_builder_add (names, ub_rom_get_device (self));
  self->codenames = g_strv_builder_end (names);
  return g_steal_pointer (&self);
}

UbRom *
ub_rom_open (const char    *path,
             const char    *cache_dir,
             UbProgress    *progress,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(UbRomArchive) archive = NULL;
  g_autoptr(GHashTable) digests = NULL;
  g_autoptr(GHashTable) known = NULL;
  g_autofree char *unpacked = NULL;
  g_autofree char *prefix = NULL;
  UbRom *self;
  GHashTableIter iter;
  const char *rel, *md5;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (progress == NULL || UB_IS_PROGRESS (progress), NULL);
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      self = ub_rom_new_for_folder (path, error);
      if (self != NULL && progress != NULL)
        ub_progress_finish (progress);
      return self;
    }
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("“%s” does not exist."), path);
      return NULL;
    }
  if (!ub_rom_archive_is_archive_name (path))
    {
      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_NOT_A_ROM,
                   _("“%s” is neither a ROM folder nor a .tgz ROM file. Pick the fastboot ROM "
                     "(a .tgz file) you downloaded, or the folder you unpacked from it."), path);
      return NULL;
    }
  /* a recovery ROM by its name: said before gigabytes are unpacked */
  {
    g_autoptr(UbRomNameInfo) name = ub_rom_name_parse (path);

    if (name != NULL && name->package == UB_ROM_PACKAGE_RECOVERY)
      {
        set_recovery_rom_error (error);
        return NULL;
      }
  }
  archive = ub_rom_archive_new (path, cache_dir);
  unpacked = ub_rom_archive_unpack (archive, progress != NULL ? ub_rom_archive_report_progress : NULL,
                                    progress, cancellable, error);
  if (unpacked == NULL)
    return NULL;
  self = ub_rom_new_for_folder (unpacked, error);
  if (self == NULL)
    return NULL;
  g_free (self->source);
  self->source = g_strdup (path);
  self->archive = g_object_ref (archive);

  /* "name/images/boot.img" (from the unpack dir) → "images/boot.img" (from the ROM folder) */
  digests = ub_rom_archive_load_digests (unpacked);
  if (digests != NULL)
    {
      known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      prefix = g_str_equal (self->path, unpacked) ? g_strdup ("")
               : g_strconcat (self->path + strlen (unpacked) + 1, "/", NULL);
      g_hash_table_iter_init (&iter, digests);
      while (g_hash_table_iter_next (&iter, (gpointer *) &rel, (gpointer *) &md5))
        if (g_str_has_prefix (rel, prefix))
          g_hash_table_insert (known, g_strdup (rel + strlen (prefix)), g_strdup (md5));
      ub_rom_set_known_digests (self, known);
    }
  if (progress != NULL)
    ub_progress_finish (progress);
  return self;
}

/* ---- ub_rom_open on a thread of its own ---- */

typedef struct {
  char       *path;
  char       *cache_dir;
  UbProgress *progress;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_free (data->path);
  g_free (data->cache_dir);
  g_clear_object (&data->progress);
  g_free (data);
}

static void
open_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OpenData *data = task_data;
  GError *error = NULL;
  UbRom *rom = ub_rom_open (data->path, data->cache_dir, data->progress, cancellable, &error);

  if (rom == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, rom, g_object_unref);
}

void
ub_rom_open_async (const char          *path,
                   const char          *cache_dir,
                   UbProgress          *progress,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  OpenData *data;

  g_return_if_fail (path != NULL);
  g_return_if_fail (progress == NULL || UB_IS_PROGRESS (progress));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ub_rom_open_async);
  data = g_new0 (OpenData, 1);
  data->path = g_strdup (path);
  data->cache_dir = g_strdup (cache_dir);
  data->progress = progress != NULL ? g_object_ref (progress) : NULL;
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);
  g_task_run_in_thread (task, open_thread);
}

UbRom *
ub_rom_open_finish (GAsyncResult  *result,
                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ub_rom_open_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
ub_rom_get_source (UbRom *self)
{
  g_return_val_if_fail (UB_IS_ROM (self), NULL);
  return self->source;
}

const char *
ub_rom_get_path (UbRom *self)
{
  g_return_val_if_fail (UB_IS_ROM (self), NULL);
  return self->path;
}

const char *
ub_rom_get_misc (UbRom      *self,
                 const char *key)
{
  const char *value;

  g_return_val_if_fail (UB_IS_ROM (self), NULL);
  value = g_hash_table_lookup (self->misc, key);
  return value != NULL && value[0] != '\0' ? value : NULL;
}

const char *
ub_rom_get_device (UbRom *self)
{
  return ub_rom_get_misc (self, "device");
}

const char *
ub_rom_get_version (UbRom *self)
{
  g_return_val_if_fail (UB_IS_ROM (self), NULL);
  return self->version;
}

const char *
ub_rom_get_android_version (UbRom *self)
{
  g_return_val_if_fail (UB_IS_ROM (self), NULL);
  return self->android;
}

const char *
ub_rom_get_region (UbRom *self)
{
  g_return_val_if_fail (UB_IS_ROM (self), NULL);
  return self->region;
}

GStrv
ub_rom_get_codenames (UbRom *self)
{
  g_return_val_if_fail (UB_IS_ROM (self), NULL);
  return self->codenames;
}

UbScript *
ub_rom_get_script (UbRom     *self,
                   UbRomMode  mode,
                   GError   **error)
{
  g_return_val_if_fail (UB_IS_ROM (self), NULL);
  g_return_val_if_fail ((guint) mode < UB_ROM_N_MODES, NULL);
  if (self->scripts[mode] == NULL)
    {
      if (error != NULL)
        *error = g_error_copy (self->script_errors[mode]);
      return NULL;
    }
  return self->scripts[mode];
}

const char *
ub_rom_get_script_name (UbRom     *self,
                        UbRomMode  mode)
{
  g_return_val_if_fail (UB_IS_ROM (self), NULL);
  g_return_val_if_fail ((guint) mode < UB_ROM_N_MODES, NULL);
  return self->script_names[mode];
}

GHashTable *
ub_rom_get_md5sums (UbRom *self)
{
  g_return_val_if_fail (UB_IS_ROM (self), NULL);
  return self->md5sums;
}

void
ub_rom_set_known_digests (UbRom      *self,
                          GHashTable *digests)
{
  g_return_if_fail (UB_IS_ROM (self));
  g_clear_pointer (&self->known_digests, g_hash_table_unref);
  if (digests != NULL)
    self->known_digests = g_hash_table_ref (digests);
}

const char *
ub_rom_lookup_known_digest (UbRom      *self,
                            const char *relative)
{
  g_return_val_if_fail (UB_IS_ROM (self), NULL);
  return self->known_digests ? g_hash_table_lookup (self->known_digests, relative) : NULL;
}

char *
ub_rom_resolve (UbRom      *self,
                const char *relative,
                GError    **error)
{
  g_autofree char *path = NULL;
  char *real;
  gboolean inside;

  g_return_val_if_fail (UB_IS_ROM (self), NULL);
  path = g_build_filename (self->path, relative, NULL);
  real = realpath (path, NULL);
  if (real == NULL)
    {
      int saved = errno;
      /* TRANSLATORS: %s: a file of the ROM */
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("%s is missing"), relative);
      return NULL;
    }
  inside = g_str_has_prefix (real, self->real_path) &&
           (real[strlen (self->real_path)] == '/' || real[strlen (self->real_path)] == '\0');
  free (real);
  if (!inside)
    {
      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_UNSAFE_PATH,
                   /* TRANSLATORS: %s: a file of the ROM */
                   _("%s is a link to a file outside the ROM folder"), relative);
      return NULL;
    }
  return g_steal_pointer (&path);
}

char *
ub_rom_read_text (UbRom      *self,
                  const char *relative,
                  GError    **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *path = ub_rom_resolve (self, relative, &local);
  g_autofree char *text = NULL;
  gsize len;

  if (path == NULL)
    {
      if (!g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (!g_file_get_contents (path, &text, &len, error))
    return NULL;
  if (len > 4096 || memchr (text, '\0', len) != NULL)
    {
      /* TRANSLATORS: %s: a file of the ROM */
      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED, _("%s is not a short text file"),
                   relative);
      return NULL;
    }
  return g_strstrip (g_steal_pointer (&text));
}
