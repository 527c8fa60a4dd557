<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en">
<context>
    <name>AppController</name>
    <message numerus="yes">
        <location filename="../../src/nemodesk/ui/controller.py" line="695" />
        <source>%n file(s) uploaded.</source>
        <translation><numerusform>%n file uploaded.</numerusform><numerusform>%n files uploaded.</numerusform></translation>
    </message>
</context>
<context>
    <name>PhotoTray</name>
    <message numerus="yes">
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="509" />
        <source>%n file(s) already in the tray.</source>
        <translation><numerusform>%n file is already in the tray.</numerusform><numerusform>%n files are already in the tray.</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="613" />
        <source>%n file(s)</source>
        <translation><numerusform>%n file</numerusform><numerusform>%n files</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="617" />
        <source>%n with problems</source>
        <translation><numerusform>%n with a problem</numerusform><numerusform>%n with problems</numerusform></translation>
    </message>
</context>
</TS>