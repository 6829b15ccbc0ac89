#!/usr/bin/env bash
# Adds to the MSI wixl built the Windows Installer 5 tables wixl 0.101 cannot write
# (docs/windows-internals.md "The MSI"):
#   MsiServiceConfig               delayed auto start, failure actions also on non-crash failures,
#                                  service SID type unrestricted
#   MsiServiceConfigFailureActions restart after 10 s, 60 s, 5 min; failure count reset after 1 day
#   MsiLockPermissionsEx           the protected DACLs of %ProgramData%\fleet-agent, state\, logs\
#   InstallExecuteSequence         MsiConfigureServices at 5850 (after InstallServices)
#   Component                      the Permanent bit (16) on DataDir, StateDir, LogDir: an
#                                  uninstall never removes %ProgramData%\fleet-agent
#   Property                       CLOUD_URL and ACTIVATION_CODE added to SecureCustomProperties
# The same values as --install-service (agent/platform/windows/service_logic.cc: the recovery
# table, RootDirSddl, WritableDirSddl). Wine's msiexec ignores these tables; Windows applies them.
#   msi-extras.sh PACKAGE.msi
set -euo pipefail
msi=$1 svc=fleet-agent comp=MainExe
# The service SID of NT SERVICE\<svc> without a lookup: S-1-5-80- and the SHA-1 of the upper-case
# UTF-16LE name read as 5 little-endian DWORDs (S-1-5-80-35500996-2707011234-1076755973-
# 2775971114-1659770508 for fleet-agent).
sid=$(python3 -c "import hashlib,struct,sys;h=hashlib.sha1(sys.argv[1].upper().encode('utf-16-le')).digest();print('S-1-5-80-'+'-'.join(map(str,struct.unpack('<5I',h))))" "$svc")
dacl() { echo "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;$1;;;$sid)"; }
q() { printf '%s' "$1" | tr '"' '`'; }   # the SQL is written with "..." for identifiers
row() {  # row TABLE (COLUMNS) VALUES...
  q "INSERT INTO \"$1\" $2 VALUES ($3)"
}
msibuild "$msi" \
  -q "$(q 'CREATE TABLE "MsiServiceConfig" ("MsiServiceConfig" CHAR(72) NOT NULL, "Name" CHAR(255) NOT NULL LOCALIZABLE, "Event" SHORT NOT NULL, "ConfigType" LONG NOT NULL, "Argument" CHAR(0) LOCALIZABLE, "Component_" CHAR(72) NOT NULL PRIMARY KEY "MsiServiceConfig")')" \
  -q "$(row MsiServiceConfig '("MsiServiceConfig","Name","Event","ConfigType","Argument","Component_")' "'DelayedStart','$svc',1,3,'1','$comp'")" \
  -q "$(row MsiServiceConfig '("MsiServiceConfig","Name","Event","ConfigType","Argument","Component_")' "'FailureActionsFlag','$svc',1,4,'1','$comp'")" \
  -q "$(row MsiServiceConfig '("MsiServiceConfig","Name","Event","ConfigType","Argument","Component_")' "'SidType','$svc',1,5,'1','$comp'")" \
  -q "$(q 'CREATE TABLE "MsiServiceConfigFailureActions" ("MsiServiceConfigFailureActions" CHAR(72) NOT NULL, "Name" CHAR(255) NOT NULL LOCALIZABLE, "Event" SHORT NOT NULL, "ResetPeriod" LONG, "RebootMessage" CHAR(255) LOCALIZABLE, "Command" CHAR(255) LOCALIZABLE, "Actions" CHAR(255), "DelayActions" CHAR(255), "Component_" CHAR(72) NOT NULL PRIMARY KEY "MsiServiceConfigFailureActions")')" \
  -q "$(row MsiServiceConfigFailureActions '("MsiServiceConfigFailureActions","Name","Event","ResetPeriod","Actions","DelayActions","Component_")' "'Recovery','$svc',1,86400,'1[~]1[~]1','10000[~]60000[~]300000','$comp'")" \
  -q "$(q 'CREATE TABLE "MsiLockPermissionsEx" ("MsiLockPermissionsEx" CHAR(72) NOT NULL, "LockObject" CHAR(72) NOT NULL, "Table" CHAR(32) NOT NULL, "SDDL" LONGCHAR NOT NULL, "Condition" CHAR(255) PRIMARY KEY "MsiLockPermissionsEx")')" \
  -q "$(row MsiLockPermissionsEx '("MsiLockPermissionsEx","LockObject","Table","SDDL")' "'DataAcl','DATADIR','CreateFolder','$(dacl 0x1200a9)'")" \
  -q "$(row MsiLockPermissionsEx '("MsiLockPermissionsEx","LockObject","Table","SDDL")' "'StateAcl','STATEDIR','CreateFolder','$(dacl FA)'")" \
  -q "$(row MsiLockPermissionsEx '("MsiLockPermissionsEx","LockObject","Table","SDDL")' "'LogAcl','LOGDIR','CreateFolder','$(dacl FA)'")" \
  -q "$(q "UPDATE \"Component\" SET \"Attributes\" = 272 WHERE \"Component\" = 'DataDir' OR \"Component\" = 'StateDir' OR \"Component\" = 'LogDir'")" \
  -q "$(q "UPDATE \"Property\" SET \"Value\" = 'WIX_DOWNGRADE_DETECTED;WIX_UPGRADE_DETECTED;CLOUD_URL;ACTIVATION_CODE' WHERE \"Property\" = 'SecureCustomProperties'")" \
  -q "$(row InstallExecuteSequence '("Action","Condition","Sequence")' "'MsiConfigureServices','VersionNT >= 600',5850")"
echo "msi-extras: $msi: MsiServiceConfig, MsiServiceConfigFailureActions, MsiLockPermissionsEx ($sid)" >&2
