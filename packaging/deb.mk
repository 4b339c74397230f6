# SPDX-License-Identifier: GPL-2.0
# make deb: the Debian packages (debian/), built in a copy of the tree
# under build/deb/ so that dpkg-buildpackage writes nothing beside the
# checkout.  The .debs land in build/deb/; lintian checks them.
#
#   make deb        clshm-dkms, clshm-tools, libxp1, libxp-dev (_all/_amd64)
#   make deb-check  the same, then fail on any lintian warning or error
#
# debian/changelog must carry the version in VERSION (one version).

CLSHM_VERSION := $(shell cat $(TOP)/VERSION)
DEB_DIR := $(TOP)/build/deb
DEB_SRC := $(DEB_DIR)/clshm-$(CLSHM_VERSION)

.PHONY: deb deb-check deb-version

deb-version:
	@v=$$(dpkg-parsechangelog -l $(TOP)/debian/changelog -S Version); \
	if [ "$${v%%-*}" != "$(CLSHM_VERSION)" ]; then \
		echo "debian/changelog is at $$v but VERSION says $(CLSHM_VERSION): add a changelog entry (dch -v $(CLSHM_VERSION))" >&2; \
		exit 1; fi

deb: deb-version
	@bash $(TOP)/scripts/install-deps.sh --deb
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_SRC)
	cd $(TOP) && { git ls-files -co --exclude-standard 2>/dev/null || \
		find . -path ./build -prune -o -type f -print; } | \
		grep -v '^build/' | tar -cf - -T - | tar -xf - -C $(DEB_SRC)
	cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b --no-sign >$(DEB_DIR)/build.log 2>&1 || \
		{ tail -n 40 $(DEB_DIR)/build.log >&2; exit 1; }
	@ls $(DEB_DIR)/*.deb
	@cd $(DEB_DIR) && lintian --profile debian --info ./*.changes || true

deb-check: deb
	cd $(DEB_DIR) && lintian --profile debian --fail-on warning,error ./*.changes

# The packaged install booted in a Debian 12 guest (also in make check):
# TAP on stdout, logs in build/admin (vm/admin-test).
.PHONY: admin-test
admin-test:
	bash $(TOP)/vm/admin-test
