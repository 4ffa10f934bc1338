/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ub-emu-demo.h"
#include "ub-emu-demo-rom.h"
#include "ub-emu-rom-server.h"
#include "ub-emu-tcp-server.h"
#include "ub-file.h"

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

static void
ub_emu_demo_dispose (GObject *object)
{
  UbEmuDemo *self = UB_EMU_DEMO (object);

  stop_phone (self);
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
  g_mutex_clear (&self->rom_server_lock);

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
