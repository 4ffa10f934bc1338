/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ub-fastboot-error.h"
#include "ub-tcp-transport.h"
#include "ub-transport-open.h"
#include "ub-usb-transport.h"

#define TCP_CONNECT_TIMEOUT_MS 5000

UbTransport *
ub_transport_open (const char    *address,
                   GCancellable  *cancellable,
                   GError       **error)
{
  if (address != NULL && g_str_has_prefix (address, "tcp:"))
    return ub_tcp_transport_connect (address + 4, TCP_CONNECT_TIMEOUT_MS, cancellable, error);
  if (address != NULL && g_str_has_prefix (address, "udp:"))
    {
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT,
                           /* TRANSLATORS: keep tcp:HOST[:PORT]; HOST and PORT may be
                            * translated (a computer's name or address, a port number) */
                           _("The UDP transport is not supported; use tcp:HOST[:PORT]"));
      return NULL;
    }
  return ub_usb_transport_open (address, error);
}
