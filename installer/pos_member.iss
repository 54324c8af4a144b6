; Inno Setup 6 script for the POS Member till on Windows.
;
; Build the program folder first (installer\build.ps1 does both steps):
;   pyinstaller --noconfirm --clean installer\pos_member.spec     -> dist\pos-member\
;   iscc /DAppVersion=0.1.0 installer\pos_member.iss              -> dist\installer\
;
; What it does:
; - installs dist\pos-member\ to Program Files (per machine, when run as administrator) or to
;   the user's programs folder (per user), replacing the previous version's _internal folder
;   whole so no stale file of an older release is left behind;
; - a Start-menu entry (and, as tasks the installer offers, a desktop icon and a start at
;   log-on entry in the Startup folder);
; - closes a running till first (Restart Manager), then starts the till when done if asked;
; - on uninstall, removes only the program. The till's data folder
;   (%LOCALAPPDATA%\POSMember: database, backups, logs, print queue) is KEPT: it is written
;   by the program, never by this installer, and no [UninstallDelete] entry names it.
;   Delete it by hand only when the till is retired and its sales have been synced.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "POS Member"
#define AppExe "pos-member.exe"
#define AppCli "pos-member-cli.exe"
#define SourceDir "..\dist\pos-member"

[Setup]
; Keep this AppId for every release: it is how an upgrade finds the installed version.
AppId={{6F2B7C1E-4B8D-4E5A-9C3F-2D1A7B5E9C40}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=POS Member
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\dist\installer
OutputBaseFilename=pos-member-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
RestartApplications=no
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
SetupLogging=yes

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
; Inno Setup's unofficial Simplified Chinese translation: copy ChineseSimplified.isl from
; https://jrsoftware.org/files/istrans/ into the Languages folder, then uncomment:
; Name: "zh_CN"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "startatlogon"; Description: "Start the till when I sign in to Windows"; GroupDescription: "Unattended operation:"; Flags: unchecked

[InstallDelete]
; The previous release's libraries and data files: replaced whole, never mixed.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\{#AppExe}"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#SourceDir}\{#AppCli}"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#SourceDir}\_internal\*"; DestDir: "{app}\_internal"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{autoprograms}\{#AppName} self-test"; Filename: "{cmd}"; Parameters: "/k ""{app}\{#AppCli}"" --self-test"; WorkingDir: "{app}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon
Name: "{autostartup}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: startatlogon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the program may have written inside its own folder. The data folder
; (%LOCALAPPDATA%\POSMember) is deliberately not listed here: the uninstall keeps it.
Type: filesandordirs; Name: "{app}\_internal\pos_member\store\migrations\__pycache__"
Type: filesandordirs; Name: "{app}\_internal\pos_member\store\migrations\versions\__pycache__"
Type: dirifempty; Name: "{app}"
