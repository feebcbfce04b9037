// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/context.hh"

namespace signet {

Context::Context(Config config, std::unique_ptr<Clock> clock)
    : config_(std::move(config)), clock_(std::move(clock)) {
  store_ = std::make_unique<Store>(StoreOptions{config_.path, config_.map_size_mb << 20});
}

}  // namespace signet
