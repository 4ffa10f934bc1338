/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "ub-fastboot-error.h"
#include "ub-script-transport.h"

typedef struct {
  char    *command;    /* NULL for a data phase */
  guint64  data_size;
  GStrv    responses;
} Step;

struct _UbScriptTransport
{
  GObject    parent_instance;
  GQueue     steps;      /* of Step */
  GQueue     pending;    /* of char*, device packets ready to read */
  GPtrArray *log;
  guint64    data_seen;
  GChecksum *checksum;
  gboolean   closed;
};

static void ub_script_transport_iface_init (UbTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (UbScriptTransport, ub_script_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (UB_TYPE_TRANSPORT,
                                                      ub_script_transport_iface_init))

static void
step_free (Step *step)
{
  g_free (step->command);
  g_strfreev (step->responses);
  g_free (step);
}

static void
queue_responses (UbScriptTransport *self, Step *step)
{
  for (guint i = 0; step->responses[i] != NULL; i++)
    g_queue_push_tail (&self->pending, g_strdup (step->responses[i]));
}

static gboolean
script_write (UbTransport *transport, const guint8 *buf, gsize len, guint stall_timeout_ms,
              GCancellable *cancellable, GError **error)
{
  UbScriptTransport *self = UB_SCRIPT_TRANSPORT (transport);
  Step *step = g_queue_peek_head (&self->steps);

  if (self->closed)
    {
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE, "closed");
      return FALSE;
    }
  if (step == NULL)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO,
                   "unexpected packet “%.*s”", (int) MIN (len, 64), buf);
      return FALSE;
    }
  if (step->command == NULL)
    {
      g_checksum_update (self->checksum, buf, len);
      self->data_seen += len;
      if (self->data_seen > step->data_size)
        {
          g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO, "too much data");
          return FALSE;
        }
      if (self->data_seen == step->data_size)
        {
          g_ptr_array_add (self->log, g_strdup_printf ("<data %" G_GUINT64_FORMAT ">",
                                                       step->data_size));
          self->data_seen = 0;
          queue_responses (self, step);
          step_free (g_queue_pop_head (&self->steps));
        }
      return TRUE;
    }
  g_ptr_array_add (self->log, g_strndup ((const char *) buf, len));
  if (len != strlen (step->command) || memcmp (buf, step->command, len) != 0)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO,
                   "expected “%s”, got “%.*s”", step->command, (int) len, buf);
      return FALSE;
    }
  queue_responses (self, step);
  step_free (g_queue_pop_head (&self->steps));
  return TRUE;
}

static gssize
script_read (UbTransport *transport, guint8 *buf, gsize len, guint timeout_ms,
             GCancellable *cancellable, GError **error)
{
  UbScriptTransport *self = UB_SCRIPT_TRANSPORT (transport);
  g_autofree char *packet = g_queue_pop_head (&self->pending);
  gsize n;

  if (packet == NULL)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT,
                   "The device did not answer within %u seconds", (timeout_ms + 999) / 1000);
      return -1;
    }
  n = MIN (strlen (packet), len);
  memcpy (buf, packet, n);
  return n;
}

static void
script_close (UbTransport *transport)
{
  UB_SCRIPT_TRANSPORT (transport)->closed = TRUE;
}

static const char *
script_describe (UbTransport *transport)
{
  return "script";
}

static void
ub_script_transport_iface_init (UbTransportInterface *iface)
{
  iface->write = script_write;
  iface->read = script_read;
  iface->close = script_close;
  iface->describe = script_describe;
}

static void
ub_script_transport_finalize (GObject *object)
{
  UbScriptTransport *self = UB_SCRIPT_TRANSPORT (object);

  g_queue_clear_full (&self->steps, (GDestroyNotify) step_free);
  g_queue_clear_full (&self->pending, g_free);
  g_ptr_array_unref (self->log);
  g_checksum_free (self->checksum);
  G_OBJECT_CLASS (ub_script_transport_parent_class)->finalize (object);
}

static void
ub_script_transport_class_init (UbScriptTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_script_transport_finalize;
}

static void
ub_script_transport_init (UbScriptTransport *self)
{
  g_queue_init (&self->steps);
  g_queue_init (&self->pending);
  self->log = g_ptr_array_new_with_free_func (g_free);
  self->checksum = g_checksum_new (G_CHECKSUM_SHA256);
}

UbScriptTransport *
ub_script_transport_new (void)
{
  return g_object_new (UB_TYPE_SCRIPT_TRANSPORT, NULL);
}

static GStrv
collect (va_list args)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char *s;

  while ((s = va_arg (args, const char *)) != NULL)
    g_strv_builder_add (builder, s);
  return g_strv_builder_end (builder);
}

void
ub_script_transport_expect (UbScriptTransport *self, const char *command, ...)
{
  Step *step = g_new0 (Step, 1);
  va_list args;

  step->command = g_strdup (command);
  va_start (args, command);
  step->responses = collect (args);
  va_end (args);
  g_queue_push_tail (&self->steps, step);
}

void
ub_script_transport_expect_data (UbScriptTransport *self, guint64 size, ...)
{
  Step *step = g_new0 (Step, 1);
  va_list args;

  step->data_size = size;
  va_start (args, size);
  step->responses = collect (args);
  va_end (args);
  g_queue_push_tail (&self->steps, step);
}

GPtrArray *
ub_script_transport_get_log (UbScriptTransport *self)
{
  return self->log;
}

gboolean
ub_script_transport_is_done (UbScriptTransport *self)
{
  return g_queue_is_empty (&self->steps) && g_queue_is_empty (&self->pending);
}

char *
ub_script_transport_get_data_checksum (UbScriptTransport *self)
{
  return g_strdup (g_checksum_get_string (self->checksum));
}
