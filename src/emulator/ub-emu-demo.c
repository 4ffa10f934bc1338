/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ub-emu-adb-server.h"
#include "ub-emu-demo.h"
#include "ub-emu-demo-rom.h"
#include "ub-emu-recovery.h"
#include "ub-emu-rom-server.h"
#include "ub-emu-tcp-server.h"
#include "ub-emu-update-server.h"
#include "ub-file.h"

/* The locked demo phone: an alioth like the unlocked one (so the demo ROM's
 * version is its current one), another serial, bootloader locked. */
#define LOCKED_SERIAL          "5c7e19a4"
#define LOCKED_DEVICE          "alioth"
#define LOCKED_CURRENT_VERSION UB_EMU_DEMO_ROM_VERSION
#define LOCKED_LATEST_VERSION  "V14.0.9.0.TKHMIXM"
#define LOCKED_CODEBASE        "13.0"
#define LOCKED_ZONE            "2"
/* The payload of a demo recovery ROM (the zip is a little larger). */
#define RECOVERY_PAYLOAD_SIZE  (3 * 1024 * 1024)
#define RECOVERY_MTIME         1692057600 /* 2023-08-15 */

struct _UbEmuDemo
{
  GObject         parent_instance;

  char           *dir;        /* the temporary folder */
  char           *phone_dir;  /* dir/phone: partitions, writes.log */
  char           *address;
  guint64         rate;
  UbEmuPhone     *phone;
  UbEmuTcpServer *server;

  GMutex          rom_server_lock;
  UbEmuRomServer *rom_server;  /* started on first use */

  /* The locked phone (enable_locked_phone()); guarded by locked_lock. */
  GMutex             locked_lock;
  UbEmuPhone        *locked_phone;
  UbEmuTcpServer    *locked_server;   /* NULL once in recovery */
  char              *locked_address;
  UbEmuRecovery     *recovery;
  UbEmuAdbServer    *adb_server;      /* started by enter_recovery() */
  char              *recovery_address;
  UbEmuUpdateServer *update_server;
};

G_DEFINE_FINAL_TYPE (UbEmuDemo, ub_emu_demo, G_TYPE_OBJECT)

char *
ub_emu_demo_write_rom (UbEmuDemo   *self,
                       const char  *product,
                       GError     **error)
{
  g_return_val_if_fail (UB_IS_EMU_DEMO (self), NULL);

  return ub_emu_demo_rom_write (self->dir, product, error);
}

/* ---- the phone ----------------------------------------------------------- */

static void
apply_rate (UbEmuDemo *self)
{
  g_autofree char *spec = g_strdup_printf ("rate:%" G_GUINT64_FORMAT, self->rate);

  ub_emu_phone_add_fault (self->phone, spec, NULL);
}

static gboolean
start_phone (UbEmuDemo  *self,
             guint16     port,
             GError    **error)
{
  g_autoptr(GError) local = NULL;

  self->phone = ub_emu_phone_new (NULL, self->phone_dir, error);
  if (self->phone == NULL)
    return FALSE;
  apply_rate (self);
  self->server = ub_emu_tcp_server_new (self->phone);
  if (!ub_emu_tcp_server_start (self->server, port, &local))
    {
      if (port == 0 || !ub_emu_tcp_server_start (self->server, 0, NULL))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  g_free (self->address);
  self->address = g_strdup_printf ("tcp:127.0.0.1:%u", ub_emu_tcp_server_get_port (self->server));
  return TRUE;
}

static void
stop_phone (UbEmuDemo *self)
{
  if (self->server != NULL)
    ub_emu_tcp_server_stop (self->server);
  g_clear_object (&self->server);
  g_clear_object (&self->phone);
}

/* Stops and drops the locked phone, its recovery and their servers (the
 * caller holds locked_lock, or is dispose). */
static void
clear_locked_phone (UbEmuDemo *self)
{
  if (self->locked_server != NULL)
    ub_emu_tcp_server_stop (self->locked_server);
  g_clear_object (&self->locked_server);
  g_clear_object (&self->locked_phone);
  if (self->adb_server != NULL)
    ub_emu_adb_server_stop (self->adb_server);
  g_clear_object (&self->adb_server);
  g_clear_object (&self->recovery);
  if (self->update_server != NULL)
    ub_emu_update_server_stop (self->update_server);
  g_clear_object (&self->update_server);
  g_clear_pointer (&self->locked_address, g_free);
}

static void
ub_emu_demo_dispose (GObject *object)
{
  UbEmuDemo *self = UB_EMU_DEMO (object);

  stop_phone (self);
  clear_locked_phone (self);
  g_clear_object (&self->rom_server);
  if (self->dir != NULL)
    ub_file_remove_tree (self->dir, NULL);
  g_clear_pointer (&self->dir, g_free);

  G_OBJECT_CLASS (ub_emu_demo_parent_class)->dispose (object);
}

static void
ub_emu_demo_finalize (GObject *object)
{
  UbEmuDemo *self = UB_EMU_DEMO (object);

  g_free (self->phone_dir);
  g_free (self->address);
  g_free (self->locked_address);
  g_free (self->recovery_address);
  g_mutex_clear (&self->rom_server_lock);
  g_mutex_clear (&self->locked_lock);

  G_OBJECT_CLASS (ub_emu_demo_parent_class)->finalize (object);
}

static void
ub_emu_demo_class_init (UbEmuDemoClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ub_emu_demo_dispose;
  G_OBJECT_CLASS (klass)->finalize = ub_emu_demo_finalize;
}

static void
ub_emu_demo_init (UbEmuDemo *self)
{
  g_mutex_init (&self->rom_server_lock);
  g_mutex_init (&self->locked_lock);
}

UbEmuDemo *
ub_emu_demo_new (GError **error)
{
  g_autoptr(UbEmuDemo) self = g_object_new (UB_TYPE_EMU_DEMO, NULL);

  self->dir = g_dir_make_tmp ("unbrick-demo-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;
  self->phone_dir = g_build_filename (self->dir, "phone", NULL);
  if (!start_phone (self, 0, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
ub_emu_demo_get_address (UbEmuDemo *self)
{
  g_return_val_if_fail (UB_IS_EMU_DEMO (self), NULL);
  return self->address;
}

const char *
ub_emu_demo_get_dir (UbEmuDemo *self)
{
  g_return_val_if_fail (UB_IS_EMU_DEMO (self), NULL);
  return self->dir;
}

UbEmuPhone *
ub_emu_demo_get_phone (UbEmuDemo *self)
{
  g_return_val_if_fail (UB_IS_EMU_DEMO (self), NULL);
  return self->phone;
}

void
ub_emu_demo_set_rate (UbEmuDemo *self,
                      guint64    bytes_per_second)
{
  g_return_if_fail (UB_IS_EMU_DEMO (self));

  self->rate = bytes_per_second;
  if (self->phone != NULL)
    apply_rate (self);
}

gboolean
ub_emu_demo_reset (UbEmuDemo  *self,
                   GError    **error)
{
  guint16 port;

  g_return_val_if_fail (UB_IS_EMU_DEMO (self), FALSE);
  g_return_val_if_fail (self->dir != NULL, FALSE);

  port = self->server != NULL ? ub_emu_tcp_server_get_port (self->server) : 0;
  stop_phone (self);
  ub_file_remove_tree (self->phone_dir, NULL);
  return start_phone (self, port, error);
}

/* ---- the ROM catalog ----------------------------------------------------- */

static UbEmuRomServer *
get_rom_server (UbEmuDemo  *self,
                GError    **error)
{
  UbEmuRomServer *server;

  g_mutex_lock (&self->rom_server_lock);
  if (self->rom_server == NULL && self->dir != NULL)
    {
      g_autofree char *dir = g_build_filename (self->dir, "catalog", NULL);
      self->rom_server = ub_emu_rom_server_new (dir, error);
    }
  else if (self->rom_server == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The demo has ended.");
  server = self->rom_server;
  g_mutex_unlock (&self->rom_server_lock);
  return server;
}

const char *
ub_emu_demo_get_catalog_url (UbEmuDemo  *self,
                             GError    **error)
{
  UbEmuRomServer *server;

  g_return_val_if_fail (UB_IS_EMU_DEMO (self), NULL);

  server = get_rom_server (self, error);
  return server != NULL ? ub_emu_rom_server_get_catalog_url (server) : NULL;
}

const char *
ub_emu_demo_get_history_url (UbEmuDemo  *self,
                             GError    **error)
{
  UbEmuRomServer *server;

  g_return_val_if_fail (UB_IS_EMU_DEMO (self), NULL);

  server = get_rom_server (self, error);
  return server != NULL ? ub_emu_rom_server_get_history_url (server) : NULL;
}

const char *
ub_emu_demo_get_mirror_url (UbEmuDemo  *self,
                            GError    **error)
{
  UbEmuRomServer *server;

  g_return_val_if_fail (UB_IS_EMU_DEMO (self), NULL);

  server = get_rom_server (self, error);
  return server != NULL ? ub_emu_rom_server_get_base_url (server) : NULL;
}

/* ---- the locked phone (Mi Assistant path) --------------------------------- */

static gboolean
zip_add (struct archive  *a,
         const char      *name,
         const void      *data,
         gsize            size,
         GError         **error)
{
  struct archive_entry *entry = archive_entry_new ();
  gboolean ok;

  archive_entry_set_pathname (entry, name);
  archive_entry_set_filetype (entry, AE_IFREG);
  archive_entry_set_perm (entry, 0644);
  archive_entry_set_size (entry, (la_int64_t) size);
  archive_entry_set_mtime (entry, RECOVERY_MTIME, 0);
  ok = archive_write_header (a, entry) == ARCHIVE_OK
       && (size == 0 || archive_write_data (a, data, size) == (la_ssize_t) size);
  archive_entry_free (entry);
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write the demo recovery ROM: %s",
                 archive_error_string (a) != NULL ? archive_error_string (a) : "unknown error");
  return ok;
}

/*
 * A small recovery ROM in Xiaomi's layout (META-INF/…, payload.bin,
 * payload_properties.txt; deterministic content) written as a real zip in
 * @dir, named as Xiaomi names them:
 * miui_ALIOTHGlobal_<version>_<first 10 hex digits of the MD5>_13.0.zip.
 */
static char *
write_recovery_rom (const char  *dir,
                    const char  *version,
                    char       **md5,
                    char       **sha1,
                    guint64     *size,
                    GError     **error)
{
  g_autofree char *tmp = g_build_filename (dir, "recovery-rom.tmp", NULL);
  g_autofree char *upper = g_ascii_strup (LOCKED_DEVICE, -1);
  g_autofree char *metadata = g_strdup_printf (
    "ota-type=AB\npost-build=Xiaomi/%s_global/%s:13/TKQ1.220829.002/%s:user/release-keys\n"
    "pre-device=%s\n", LOCKED_DEVICE, LOCKED_DEVICE, version, LOCKED_DEVICE);
  static const char binary[] = "#!/sbin/sh\n# Unbrick demo recovery ROM: nothing to run.\n";
  g_autofree char *properties = g_strdup_printf ("FILE_HASH=demo\nFILE_SIZE=%u\n",
                                                 (guint) RECOVERY_PAYLOAD_SIZE);
  g_autofree guint32 *payload = g_new (guint32, RECOVERY_PAYLOAD_SIZE / 4);
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_str_hash (version));
  struct archive *a;
  gboolean ok;
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autofree char *name = NULL;
  char *path;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "Cannot create %s: %s",
                   dir, g_strerror (errsv));
      return NULL;
    }
  memcpy (payload, "CrAU", 4);  /* an A/B payload's magic */
  for (gsize i = 1; i < RECOVERY_PAYLOAD_SIZE / 4; i++)
    payload[i] = g_rand_int (rand);

  a = archive_write_new ();
  ok = archive_write_set_format_zip (a) == ARCHIVE_OK
       && archive_write_zip_set_compression_store (a) == ARCHIVE_OK
       && archive_write_open_filename (a, tmp) == ARCHIVE_OK;
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write the demo recovery ROM: %s",
                 archive_error_string (a) != NULL ? archive_error_string (a) : "unknown error");
  ok = ok
       && zip_add (a, "META-INF/com/android/metadata", metadata, strlen (metadata), error)
       && zip_add (a, "META-INF/com/google/android/update-binary", binary, strlen (binary), error)
       && zip_add (a, "payload_properties.txt", properties, strlen (properties), error)
       && zip_add (a, "payload.bin", payload, RECOVERY_PAYLOAD_SIZE, error);
  if (ok && archive_write_close (a) != ARCHIVE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write the demo recovery ROM: %s",
                   archive_error_string (a) != NULL ? archive_error_string (a) : "unknown error");
      ok = FALSE;
    }
  archive_write_free (a);
  if (!ok || !g_file_get_contents (tmp, &contents, &length, error))
    {
      g_unlink (tmp);
      return NULL;
    }

  *md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, (const guchar *) contents, length);
  *sha1 = g_compute_checksum_for_data (G_CHECKSUM_SHA1, (const guchar *) contents, length);
  *size = length;
  name = g_strdup_printf ("miui_%sGlobal_%s_%.10s_%s.zip", upper, version, *md5, LOCKED_CODEBASE);
  path = g_build_filename (dir, name, NULL);
  if (g_rename (tmp, path) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "Cannot rename %s: %s",
                   tmp, g_strerror (errsv));
      g_unlink (tmp);
      g_clear_pointer (md5, g_free);
      g_clear_pointer (sha1, g_free);
      g_free (path);
      return NULL;
    }
  return path;
}

/* Writes one recovery ROM, serves it on the mirror, registers it with the
 * fake update server. */
static gboolean
add_recovery_rom (UbEmuDemo       *self,
                  UbEmuRomServer  *rom_server,
                  const char      *version,
                  GError         **error)
{
  g_autofree char *dir = g_build_filename (self->dir, "recovery-roms", NULL);
  g_autofree char *md5 = NULL;
  g_autofree char *sha1 = NULL;
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  guint64 size = 0;

  path = write_recovery_rom (dir, version, &md5, &sha1, &size, error);
  if (path == NULL || !ub_emu_rom_server_add_file (rom_server, version, path, error))
    return FALSE;
  name = g_path_get_basename (path);
  ub_emu_update_server_add_rom (self->update_server, LOCKED_DEVICE, name, version,
                                LOCKED_CODEBASE, md5, sha1, size, FALSE);
  return TRUE;
}

static gboolean
enable_locked (UbEmuDemo  *self,
               GError    **error)
{
  UbEmuRomServer *rom_server = get_rom_server (self, error);
  g_autofree char *phone_dir = NULL;
  g_autofree char *recovery_dir = NULL;
  g_autofree char *package = NULL;

  if (rom_server == NULL)
    return FALSE;

  /* the fake update server and the ROMs it approves */
  self->update_server = ub_emu_update_server_new ();
  if (!add_recovery_rom (self, rom_server, LOCKED_CURRENT_VERSION, error)
      || !add_recovery_rom (self, rom_server, LOCKED_LATEST_VERSION, error)
      || !ub_emu_update_server_start (self->update_server, error))
    return FALSE;

  /* the recovery the phone has, not listening until entered */
  recovery_dir = g_build_filename (self->dir, "recovery", NULL);
  if (g_mkdir_with_parents (recovery_dir, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "Cannot create %s: %s",
                   recovery_dir, g_strerror (errsv));
      return FALSE;
    }
  package = g_build_filename (recovery_dir, "sideloaded.zip", NULL);
  self->recovery = ub_emu_recovery_new (package);
  ub_emu_recovery_set_info (self->recovery, "device", LOCKED_DEVICE);
  ub_emu_recovery_set_info (self->recovery, "version", LOCKED_CURRENT_VERSION);
  ub_emu_recovery_set_info (self->recovery, "sn", LOCKED_SERIAL);
  ub_emu_recovery_set_info (self->recovery, "codebase", LOCKED_CODEBASE);
  ub_emu_recovery_set_info (self->recovery, "branch", "F");
  ub_emu_recovery_set_info (self->recovery, "language", "en-US");
  ub_emu_recovery_set_info (self->recovery, "region", "GL");
  ub_emu_recovery_set_info (self->recovery, "romzone", LOCKED_ZONE);
  /* it "works" a little before its final message, as a real one does */
  ub_emu_recovery_set_install_delay (self->recovery, 1500);

  /* the phone in fastboot mode, bootloader locked */
  phone_dir = g_build_filename (self->dir, "locked-phone", NULL);
  self->locked_phone = ub_emu_phone_new (NULL, phone_dir, error);
  if (self->locked_phone == NULL)
    return FALSE;
  ub_emu_phone_set_var (self->locked_phone, "unlocked", "no");
  ub_emu_phone_set_var (self->locked_phone, "serialno", LOCKED_SERIAL);
  ub_emu_phone_set_var (self->locked_phone, "product", LOCKED_DEVICE);
  self->locked_server = ub_emu_tcp_server_new (self->locked_phone);
  if (!ub_emu_tcp_server_start (self->locked_server, 0, error))
    return FALSE;
  self->locked_address = g_strdup_printf ("tcp:127.0.0.1:%u",
                                          ub_emu_tcp_server_get_port (self->locked_server));
  return TRUE;
}

gboolean
ub_emu_demo_enable_locked_phone (UbEmuDemo  *self,
                                 GError    **error)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (UB_IS_EMU_DEMO (self), FALSE);

  g_mutex_lock (&self->locked_lock);
  if (self->dir == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The demo has ended.");
      ok = FALSE;
    }
  else if (self->update_server == NULL && !(ok = enable_locked (self, error)))
    {
      /* all or nothing: a later call tries again */
      clear_locked_phone (self);
    }
  g_mutex_unlock (&self->locked_lock);
  return ok;
}

const char *
ub_emu_demo_get_locked_address (UbEmuDemo *self)
{
  g_return_val_if_fail (UB_IS_EMU_DEMO (self), NULL);
  return self->locked_address;
}

gboolean
ub_emu_demo_enter_recovery (UbEmuDemo  *self,
                            GError    **error)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (UB_IS_EMU_DEMO (self), FALSE);

  if (!ub_emu_demo_enable_locked_phone (self, error))
    return FALSE;
  g_mutex_lock (&self->locked_lock);
  if (self->adb_server == NULL)
    {
      /* the phone restarts: fastboot goes away, the recovery comes up */
      if (self->locked_server != NULL)
        ub_emu_tcp_server_stop (self->locked_server);
      g_clear_object (&self->locked_server);
      g_clear_pointer (&self->locked_address, g_free);

      self->adb_server = ub_emu_adb_server_new (self->recovery);
      ok = ub_emu_adb_server_start (self->adb_server, 0, error);
      if (ok)
        self->recovery_address = g_strdup_printf ("tcp:127.0.0.1:%u",
                                                  ub_emu_adb_server_get_port (self->adb_server));
      else
        g_clear_object (&self->adb_server);
    }
  g_mutex_unlock (&self->locked_lock);
  return ok;
}

const char *
ub_emu_demo_get_recovery_address (UbEmuDemo *self)
{
  g_return_val_if_fail (UB_IS_EMU_DEMO (self), NULL);
  return self->recovery_address;
}

const char *
ub_emu_demo_get_update_server_url (UbEmuDemo *self)
{
  g_return_val_if_fail (UB_IS_EMU_DEMO (self), NULL);
  return self->update_server != NULL ? ub_emu_update_server_get_url (self->update_server)
                                     : NULL;
}

struct _UbEmuRecovery *
ub_emu_demo_get_recovery (UbEmuDemo *self)
{
  g_return_val_if_fail (UB_IS_EMU_DEMO (self), NULL);
  return self->recovery;
}
