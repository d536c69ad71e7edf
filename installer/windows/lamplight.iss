; Lamplight's Windows installer: one county's build of the app, installed for every teacher
; on the PC. Inno Setup 6.5 or newer.
;
; Made by `python build_installer.py --county counties/<code>.toml --setup`, through
; installer/inno.py (build_windows_setup), which passes the county's values as /D defines:
;
;   AppVersion          the version (required)
;   AppGuid             the county's AppId, a GUID without braces, from installer.inno.app_id
;                       (required: the same for every version of one county, so Setup
;                       upgrades in place; different for every county)
;   CountyCode          the county code, e.g. demo (required)
;   SourceDir           the PyInstaller one-folder build: Lamplight.exe and _internal (required)
;   CountyName          the county's name, shown as the publisher (default: CountyCode)
;   DisplayName         the app's name on the shortcuts and Setup's pages (default: Lamplight)
;   OutputDir           where the setup program goes (default: Output, next to this script)
;   OutputBaseFilename  default: Lamplight-<CountyCode>-<AppVersion>-windows-setup
;   SetupIconFile       Setup's own icon, an .ico (default: Inno Setup's)
;   ChineseIsl          Setup's Simplified Chinese messages (default: ChineseSimplified.isl
;                       next to this script, else in the Languages folder of Inno Setup)
;   ImportStarter       1 (default): import the build's starter courses while installing;
;                       0: leave it to the app's first start
;
; The teachers' data (profiles, progress, courses) lives in {commonappdata}\Lamplight, that is
; C:\ProgramData\Lamplight: the folder app/paths.py chooses (platformdirs' site_data_dir of
; "Lamplight"), shared by every account on the PC. Setup creates it, modifiable by all users;
; Setup never deletes or replaces anything in it, an upgrade included. Uninstalling keeps it,
; unless the person uninstalling answers Yes to deleting every teacher's data (default No; a
; silent uninstall never asks, and keeps it).
;
; See docs/windows-installer.md.

#if PREPROCVER < EncodeVer(6, 5, 0)
  #error Inno Setup 6.5 or newer is needed: ChineseSimplified.isl holds the messages of 6.5
#endif

#ifndef AppVersion
  #error AppVersion is not defined: build with build_installer.py --setup, or pass /DAppVersion=...
#endif
#ifndef AppGuid
  #error AppGuid is not defined: pass /DAppGuid= the GUID that installer.inno.app_id gives for the county
#endif
#ifndef CountyCode
  #error CountyCode is not defined: pass /DCountyCode=... (the code in counties/CODE.toml)
#endif
#ifndef SourceDir
  #error SourceDir is not defined: pass /DSourceDir= the one-folder build (dist/Lamplight-CODE-VERSION-windows)
#endif
#if !FileExists(AddBackslash(SourceDir) + "Lamplight.exe")
  #error SourceDir holds no Lamplight.exe: it must be the Windows one-folder build
#endif

#ifndef CountyName
  #define CountyName CountyCode
#endif
#ifndef DisplayName
  #define DisplayName "Lamplight"
#endif
#ifndef OutputDir
  #define OutputDir "Output"
#endif
#ifndef OutputBaseFilename
  #define OutputBaseFilename "Lamplight-" + CountyCode + "-" + AppVersion + "-windows-setup"
#endif
#ifndef ImportStarter
  #define ImportStarter "1"
#endif
#ifndef ChineseIsl
  #if FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
    #define ChineseIsl AddBackslash(SourcePath) + "ChineseSimplified.isl"
  #elif FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
    #define ChineseIsl "compiler:Languages\ChineseSimplified.isl"
  #elif FileExists(AddBackslash(CompilerPath) + "Languages\Unofficial\ChineseSimplified.isl")
    #define ChineseIsl "compiler:Languages\Unofficial\ChineseSimplified.isl"
  #else
    #error ChineseSimplified.isl was found neither next to lamplight.iss nor among the languages of Inno Setup: see docs/windows-installer.md
  #endif
#endif

; The machine-wide data folder: app/paths.py's choice on Windows (APP_NAME "Lamplight").
#define DataDir "{commonappdata}\Lamplight"
; Commands run without a window by the build's console twin of Lamplight.exe, when it has one.
#if FileExists(AddBackslash(SourceDir) + "lamplight-cli.exe")
  #define CliExe "lamplight-cli.exe"
#else
  #define CliExe "Lamplight.exe"
#endif

[Setup]
; {{ is a literal brace: the AppId is {GUID}.
AppId={{{#AppGuid}}
AppName={#DisplayName}
AppVersion={#AppVersion}
AppVerName={#DisplayName} {#AppVersion}
AppPublisher={#CountyName}
UninstallDisplayName={#DisplayName}
UninstallDisplayIcon={app}\Lamplight.exe
; An ASCII folder name: some libraries still stumble over other characters in their path.
DefaultDirName={autopf}\Lamplight-{#CountyCode}
; Asked on a first installation only; an upgrade goes where the older version is.
DisableDirPage=auto
DisableProgramGroupPage=yes
; For every account on the PC: Program Files, shortcuts for all users, the shared data folder.
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 runs on Windows 10 1809 or newer; Setup says so plainly on older systems.
MinVersion=10.0.17763
; A running Lamplight is closed before its files are replaced (silent installs too); it is
; not restarted, since Setup runs as an administrator and teachers start it themselves.
CloseApplications=yes
CloseApplicationsFilter=*.exe,*.dll,*.pyd
RestartApplications=no
SetupMutex=LamplightSetup-{#CountyCode},Global\LamplightSetup-{#CountyCode}
OutputDir={#OutputDir}
OutputBaseFilename={#OutputBaseFilename}
#ifdef SetupIconFile
SetupIconFile={#SetupIconFile}
#endif
SolidCompression=yes
WizardStyle=modern
; Setup writes its log to %TEMP% every time: the first thing to ask for when it went wrong.
SetupLogging=yes
ShowLanguageDialog=auto

[Languages]
; The first language is used when the system's matches neither.
Name: "chinesesimplified"; MessagesFile: "{#ChineseIsl}"
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
chinesesimplified.ImportingStarter=正在导入安装程序自带的课程……
english.ImportingStarter=Importing the courses that come with this installer...
chinesesimplified.DeleteAllData=是否同时删除这台电脑上所有教师的数据？%n%n%1%n%n其中有每位教师的档案、学习进度和已下载的课程，删除后无法恢复。%n%n选“否”则保留这些数据，以后再安装灯火研修时会继续使用。
english.DeleteAllData=Also delete all teachers' data on this PC?%n%n%1%n%nIt holds every teacher's profile and progress and the downloaded courses; once deleted, they cannot be brought back.%n%nChoose No to keep it: Lamplight uses it again when it is installed again.
chinesesimplified.DeleteDataFailed=有些数据没能删除（可能还有程序在使用）：%n%n%1%n%n关闭灯火研修后，可以手动删除这个文件夹。
english.DeleteDataFailed=Some of the data could not be deleted (a program may still be using it):%n%n%1%n%nYou can delete that folder by hand once Lamplight is closed.

[Tasks]
; Checked by default: many teachers start their programs from the desktop.
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Dirs]
; Every teacher's account writes here (the inherited right reaches files made later, and
; files already there). Never removed by the uninstaller itself: see [Code].
Name: "{#DataDir}"; Permissions: users-modify; Flags: uninsneveruninstall

[InstallDelete]
; An upgrade replaces the program's libraries as a whole: no module of the older version may
; stay behind. Only the program folder: the data folder is never touched.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#DisplayName}"; Filename: "{app}\Lamplight.exe"; WorkingDir: "{app}"
Name: "{autodesktop}\{#DisplayName}"; Filename: "{app}\Lamplight.exe"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
#if ImportStarter == "1"
; The starter courses, imported now rather than at a teacher's first start. The app imports
; each installer's starter pack once (after an upgrade, only what is new), so running it on an
; upgrade adds the new courses and changes nothing else. Its exit status is in Setup's log; if
; it fails, the app tries again at its first start.
Filename: "{app}\{#CliExe}"; Parameters: "import-starter --data-dir ""{#DataDir}"""; StatusMsg: "{cm:ImportingStarter}"; Flags: runhidden waituntilterminated
#endif

[UninstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Code]
{ The teachers' data outlives the program unless the person uninstalling explicitly asks for it
  to go: the question defaults to No, and a silent uninstall (scripts, remote tools) never asks
  and always keeps it. }
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
begin
  if CurUninstallStep <> usPostUninstall then
    Exit;
  DataDir := ExpandConstant('{#DataDir}');
  if not DirExists(DataDir) then
    Exit;
  if UninstallSilent then
  begin
    Log('Silent uninstall: keeping the teachers'' data in ' + DataDir);
    Exit;
  end;
  if SuppressibleMsgBox(FmtMessage(CustomMessage('DeleteAllData'), [DataDir]),
       mbConfirmation, MB_YESNO or MB_DEFBUTTON2, IDNO) <> IDYES then
  begin
    Log('Keeping the teachers'' data in ' + DataDir);
    Exit;
  end;
  Log('Deleting the teachers'' data in ' + DataDir + ', as asked');
  if not DelTree(DataDir, True, True, True) then
    SuppressibleMsgBox(FmtMessage(CustomMessage('DeleteDataFailed'), [DataDir]),
      mbError, MB_OK, IDOK);
end;
